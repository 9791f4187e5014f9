package org.connectome.activities.shard;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.connectome.activities.FailedUnits;
import org.connectome.activities.VerifiedMarkers;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.ShardProgress;
import org.connectome.catalog.ShardState;
import org.connectome.catalog.StepState;
import org.connectome.executor.ExecutorException;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.TaskFailure;
import org.connectome.executor.TaskResult;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarkers;
import org.connectome.markers.MarkerStores;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.pipeline.StepConfig;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskReport;
import org.connectome.task.UnitFailure;
import org.connectome.tasks.CrashedUnits;
import org.connectome.units.Grouping;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs shards through a {@link StageExecutor}, keeping the catalog, the metrics and Temporal
 * informed.
 */
public final class ShardActivitiesImpl implements ShardActivities {
  private static final Logger log = LoggerFactory.getLogger(ShardActivitiesImpl.class);

  /** Catalog writes of a shard's progress at most this often; the final state is always written. */
  private static final long PROGRESS_EVERY_MS = 1000;

  /** Seconds between two looks at the catalog for a cancelled step. */
  private static final int CANCEL_POLL_TICKS = 3;

  private final StageExecutor executor;
  private final Catalog catalog;
  private final PlatformMetrics metrics;
  private final ScheduledExecutorService heartbeats =
      Executors.newScheduledThreadPool(
          1,
          r -> {
            Thread t = new Thread(r, "shard-heartbeats");
            t.setDaemon(true);
            return t;
          });

  private final MarkerStores markerStores;

  public ShardActivitiesImpl(
      StageExecutor executor, Catalog catalog, PlatformMetrics metrics, MarkerStores markerStores) {
    this.executor = executor;
    this.catalog = catalog;
    this.metrics = metrics;
    this.markerStores = markerStores;
  }

  public ShardActivitiesImpl(StageExecutor executor, Catalog catalog, PlatformMetrics metrics) {
    this(executor, catalog, metrics, MarkerStores.files());
  }

  @Override
  public RunShardOutput runShard(RunShardInput input) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    StepConfig step = input.step();
    StepLayout layout = input.run().layout().step(step.stage(), step.step());
    TaskDefinition def;
    try {
      def = TaskDefinition.read(layout.definitionFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read step definition " + layout.definitionFile(), e);
    }
    if (!def.paramsHash().equals(step.paramsHash())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "step definition "
              + layout.definitionFile()
              + " was written for parameters "
              + def.paramsHash()
              + ", this shard runs "
              + step.paramsHash()
              + ": another execution of the step replanned it",
          "StaleStepDefinition");
    }
    Grouping g = def.plan().grouping();
    long shard = input.shard();
    UnitRange units = g.unitsOfShard(shard);
    UnitRange taskRange = g.tasksOfShard(shard);
    CompletionMarkers markers = markerStores.forStep(layout);
    BitSet doneAtStart;
    try {
      // a unit whose outputs went missing since the step was planned runs again too
      doneAtStart = VerifiedMarkers.done(markers, units, step, step.runId(), catalog);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "checking markers of " + step.qualifiedName() + ": " + e.getMessage(), e);
    }
    long doneBefore = doneAtStart.cardinality();
    List<UnitRange> tasksToRun =
        Ranges.where(
            taskRange,
            t -> {
              UnitRange tu = g.unitsOfTask(t);
              return doneAtStart
                      .get((int) (tu.from() - units.from()), (int) (tu.to() - units.from()))
                      .cardinality()
                  < tu.size();
            });
    String sample = step.sample();
    if (tasksToRun.isEmpty()) {
      metrics.unitsSkipped(sample, step.stage(), step.step(), doneBefore);
      metrics.shardEnded(sample, step.stage(), step.step(), "skipped");
      report(step, shard, units.size(), doneBefore, 0, 0, ShardState.DONE, true);
      return new RunShardOutput(shard, units.size(), doneBefore, doneBefore, 0, List.of(), 0, 0);
    }
    metrics.unitsSkipped(sample, step.stage(), step.step(), doneBefore);
    long tasksTotal = Ranges.count(tasksToRun);
    AtomicLong done = new AtomicLong(doneBefore);
    AtomicLong running = new AtomicLong();
    AtomicLong finished = new AtomicLong();
    AtomicLong attempts = new AtomicLong();
    AtomicLong lastReport = new AtomicLong(System.currentTimeMillis());
    Map<Long, Long> counted = new ConcurrentHashMap<>();
    report(step, shard, units.size(), doneBefore, 0, 0, ShardState.RUNNING, true);

    ShardListener listener =
        new ShardListener() {
          @Override
          public void taskStarted(long task, int attempt) {
            attempts.incrementAndGet();
            running.addAndGet(g.unitsOfTask(task).size());
            metrics.taskStarted(sample, step.stage(), step.step());
            maybeReport();
          }

          @Override
          public void taskAttemptEnded(
              long task, int attempt, TaskFailure failure, Duration duration) {
            running.addAndGet(-g.unitsOfTask(task).size());
            boolean willRetry =
                failure != null && failure.retryable() && attempt < step.retry().maxAttempts();
            metrics.taskEnded(
                sample,
                step.stage(),
                step.step(),
                duration.toMillis() / 1000.0,
                failure == null ? null : failure.kind(),
                willRetry);
            // count the task's newly marked units only: rescanning the whole shard per task would
            // list its
            // marker folders once per task
            UnitRange tu = g.unitsOfTask(task);
            long was =
                doneAtStart
                    .get((int) (tu.from() - units.from()), (int) (tu.to() - units.from()))
                    .cardinality();
            long now = scan(markers, tu, step).cardinality();
            long newly = now - was - counted.getOrDefault(task, 0L);
            counted.merge(task, newly, Long::sum);
            done.addAndGet(newly);
            metrics.unitsDone(sample, step.stage(), step.step(), Math.max(0, newly));
            if (failure != null) {
              log.info(
                  "{} shard {} task {} attempt {} failed: {}{}",
                  step.qualifiedName(),
                  shard,
                  task,
                  attempt,
                  failure.message(),
                  willRetry ? " (will retry)" : "");
            }
            maybeReport();
          }

          @Override
          public void taskFinished(TaskResult result) {
            finished.incrementAndGet();
          }

          private void maybeReport() {
            long now = System.currentTimeMillis();
            long last = lastReport.get();
            if (now - last >= PROGRESS_EVERY_MS && lastReport.compareAndSet(last, now)) {
              report(
                  step,
                  shard,
                  units.size(),
                  done.get(),
                  0,
                  running.get(),
                  ShardState.RUNNING,
                  false);
            }
          }
        };

    // Heartbeats go out from their own thread, so a shard blocked on long tasks still proves it is
    // alive; a
    // heartbeat that learns of cancellation (or of the activity timing out) interrupts the shard,
    // which stops
    // its tasks.
    Thread worker = Thread.currentThread();
    AtomicReference<ActivityCompletionException> stopped = new AtomicReference<>();
    AtomicLong ticks = new AtomicLong();
    AtomicReference<String> cancelledBy = new AtomicReference<>();
    var beat =
        heartbeats.scheduleAtFixedRate(
            () -> {
              try {
                ctx.heartbeat(new ShardHeartbeat(finished.get(), tasksTotal, done.get()));
              } catch (ActivityCompletionException e) {
                if (stopped.compareAndSet(null, e)) {
                  worker.interrupt();
                }
              } catch (RuntimeException e) {
                log.warn(
                    "heartbeat of {} shard {} failed: {}",
                    step.qualifiedName(),
                    shard,
                    e.toString());
              }
              // Heartbeats reach the server only every few tens of seconds (each is a Temporal
              // action), so a cancelled
              // step also says so in the catalog, which shards read every few seconds at no
              // Temporal cost.
              if (ticks.incrementAndGet() % CANCEL_POLL_TICKS == 0) {
                try {
                  if (catalog
                              .progress()
                              .stepState(step.runId(), step.stage(), step.step())
                              .orElse(null)
                          == StepState.CANCELLED
                      && cancelledBy.compareAndSet(null, "the step was cancelled")) {
                    worker.interrupt();
                  }
                } catch (RuntimeException e) {
                  log.warn(
                      "cannot read the state of {} from the catalog: {}",
                      step.qualifiedName(),
                      e.toString());
                }
              }
            },
            0,
            1,
            TimeUnit.SECONDS);
    List<TaskResult> results;
    try {
      results =
          executor.runShard(
              new ShardRequest(
                  step,
                  shard,
                  tasksToRun,
                  layout.dir(),
                  ctx.getInfo().getAttempt(),
                  input.run().runId(),
                  input.executor()),
              listener);
    } catch (InterruptedException e) {
      report(
          step,
          shard,
          units.size(),
          scan(markers, units, step).cardinality(),
          0,
          0,
          ShardState.PENDING,
          true);
      ActivityCompletionException why = stopped.get();
      if (why != null) {
        throw why;
      }
      if (cancelledBy.get() != null) {
        throw ApplicationFailure.newNonRetryableFailure(
            step.qualifiedName() + " shard " + shard + " stopped: " + cancelledBy.get(),
            "StepCancelled");
      }
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "shard " + shard + " of " + step.qualifiedName() + " was interrupted", e);
    } catch (ExecutorException e) {
      report(
          step,
          shard,
          units.size(),
          scan(markers, units, step).cardinality(),
          0,
          0,
          ShardState.PENDING,
          true);
      throw ApplicationFailure.newFailureWithCause(e.getMessage(), "ExecutorFailed", e);
    } finally {
      beat.cancel(false);
      Thread
          .interrupted(); // a late heartbeat interrupt must not leak into the next activity on this
      // thread
    }

    BitSet doneAtEnd = scan(markers, units, step);
    List<FailedUnits> failures = new ArrayList<>();
    for (TaskResult r : results) {
      if (r.succeeded()) {
        continue;
      }
      failures.addAll(failuresOf(r, g.unitsOfTask(r.task()), units, doneAtEnd, layout));
    }
    long failed = failures.stream().mapToLong(f -> f.units().size()).sum();
    long doneNow = doneAtEnd.cardinality();
    metrics.unitsDone(sample, step.stage(), step.step(), Math.max(0, doneNow - done.get()));
    metrics.unitsFailed(sample, step.stage(), step.step(), failed);
    metrics.shardEnded(sample, step.stage(), step.step(), failed == 0 ? "done" : "failed");
    report(
        step,
        shard,
        units.size(),
        doneNow,
        failed,
        0,
        failed == 0 ? ShardState.DONE : ShardState.FAILED,
        true);
    return new RunShardOutput(
        shard, units.size(), doneBefore, doneNow, failed, failures, tasksTotal, attempts.get());
  }

  /**
   * The units of a failed task that still lack a marker, with the errors the task reported for
   * them, or the task's own failure (crash, OOM, image pull) with its log tail when the task could
   * not say.
   */
  static List<FailedUnits> failuresOf(
      TaskResult r,
      UnitRange taskUnits,
      UnitRange shardUnits,
      BitSet doneAtEnd,
      StepLayout layout) {
    List<UnitRange> missing =
        Ranges.where(taskUnits, u -> !doneAtEnd.get((int) (u - shardUnits.from())));
    List<FailedUnits> out = new ArrayList<>();
    TaskReport report = readReport(layout, r.task(), r.attempts());
    // units that took the task's process down: each is its own failure, with the executor's cause
    Map<Long, Integer> crashed = crashedUnits(layout, r.task());
    List<UnitRange> rest = new ArrayList<>();
    for (UnitRange m : missing) {
      long from = m.from();
      for (long u = m.from(); u < m.to(); u++) {
        if (crashed.containsKey(u) && r.failure() != null && !reported(report, u)) {
          if (u > from) {
            rest.add(new UnitRange(from, u));
          }
          int n = crashed.get(u);
          out.add(
              FailedUnits.of(
                  UnitRange.single(u),
                  "unit "
                      + u
                      + " took down the process of task "
                      + r.task()
                      + " "
                      + (n == 1 ? "once" : n + " times")
                      + ": "
                      + r.failure().message(),
                  r.failure().retryable()));
          from = u + 1;
        }
      }
      if (from < m.to()) {
        rest.add(new UnitRange(from, m.to()));
      }
    }
    missing = rest;
    for (UnitRange m : missing) {
      boolean covered = false;
      if (report != null) {
        for (UnitFailure f : report.failures()) {
          UnitRange both = f.units().intersect(m);
          if (!both.isEmpty()) {
            out.add(
                FailedUnits.of(
                    both, f.error(), f.retryable() && r.failure().retryable(), f.missingInput()));
            covered = true;
          }
        }
      }
      if (!covered) {
        String tail = r.logTail() == null || r.logTail().isBlank() ? "" : "\n" + r.logTail();
        out.add(
            FailedUnits.of(
                m,
                "task "
                    + r.task()
                    + " after "
                    + r.attempts()
                    + " attempts: "
                    + r.failure().message()
                    + tail,
                r.failure().retryable()));
      }
    }
    return out;
  }

  private static boolean reported(TaskReport report, long unit) {
    return report != null && report.failures().stream().anyMatch(f -> f.units().contains(unit));
  }

  /** The units that took a process of the task down, with how often (the last one included). */
  private static Map<Long, Integer> crashedUnits(StepLayout layout, long task) {
    try {
      Map<Long, Integer> out =
          new java.util.HashMap<>(CrashedUnits.read(CrashedUnits.crashedFile(layout, task)));
      Long last = CrashedUnits.readRunning(CrashedUnits.runningFile(layout, task));
      if (last != null) {
        out.merge(last, 1, Integer::sum);
      }
      return out;
    } catch (IOException e) {
      return Map.of();
    }
  }

  private static TaskReport readReport(StepLayout layout, long task, int attempt) {
    try {
      var file = layout.reportFile(task);
      if (!Files.exists(file)) {
        return null;
      }
      TaskReport rep = TaskReport.read(file);
      return rep.attempt() == attempt
          ? rep
          : null; // an older attempt's report says nothing of this one
    } catch (IOException e) {
      return null;
    }
  }

  private static BitSet scan(CompletionMarkers markers, UnitRange units, StepConfig step) {
    try {
      return markers.scan(units, step.paramsHash());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "reading markers of " + step.qualifiedName() + ": " + e.getMessage(), e);
    }
  }

  private void report(
      StepConfig step,
      long shard,
      long total,
      long done,
      long failed,
      long running,
      ShardState state,
      boolean mustSucceed) {
    try {
      catalog
          .progress()
          .recordShardProgress(
              new ShardProgress(
                  step.runId(),
                  step.stage(),
                  step.step(),
                  shard,
                  total,
                  done,
                  failed,
                  Math.min(running, total - done),
                  state));
    } catch (RuntimeException e) {
      if (mustSucceed) {
        throw e;
      }
      log.warn(
          "catalog progress update of {} shard {} failed: {}",
          step.qualifiedName(),
          shard,
          e.toString());
    }
  }
}
