package org.connectome.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.connectome.executor.ExecutorException;
import org.connectome.executor.FailureClassifier;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.TaskFailure;
import org.connectome.executor.TaskResult;
import org.connectome.executor.Termination;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.StepConfig;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskExitCodes;
import org.connectome.units.Grouping;
import org.connectome.units.UnitRange;

/**
 * A {@link StageExecutor} that simulates task execution: no process, no pod, no compute. Each task
 * attempt takes a duration drawn from a {@link DurationModel} (possibly none), fails with a
 * configured probability with a typed failure (classified by the real {@link FailureClassifier}
 * from a simulated termination: OOMKilled, eviction, node loss, crash, units failed), and on
 * success marks its units in the shared {@link InMemoryMarkerStores}, exactly what a real task does
 * after writing its outputs. A failed attempt marks the units it finished before failing (a random
 * prefix), and its retry runs only the rest.
 *
 * <p>Like the local executor (and a Kubernetes Indexed Job with {@code backoffLimitPerIndex}), at
 * most {@code parallelism} attempts of a shard run at once, each task is retried per the step's
 * retry policy with its backoff (scaled by {@code backoffScale}), and only units without a marker
 * run again.
 *
 * <p>It counts what a real executor would create: one Job object per shard execution, one pod per
 * task attempt.
 */
public final class SimulatedExecutor implements StageExecutor {
  /** What one step asked of the executor. */
  public static final class StepCounts {
    public final LongAdder jobs = new LongAdder();
    public final LongAdder pods = new LongAdder();
    public final LongAdder tasksFailedForGood = new LongAdder();
    public final LongAdder unitsMarked = new LongAdder();
    public final LongAdder attemptsFailed = new LongAdder();
  }

  private static final Termination[] TRANSIENT = {
    Termination.exit(TaskExitCodes.UNITS_FAILED),
    new Termination(137, "OOMKilled", null),
    new Termination(-1, "Evicted", "the node was low on memory"),
    new Termination(-1, "DisruptionTarget", "preempted"),
    new Termination(-1, "NodeLost", null),
    Termination.exit(TaskExitCodes.CRASHED)
  };
  private static final Termination PERMANENT =
      Termination.exit(TaskExitCodes.UNITS_FAILED_PERMANENTLY);

  private final InMemoryMarkerStores markers;
  private final DurationModel durations;
  private final double failureRate;
  private final double permanentFailureRate;
  private final double backoffScale;
  private final SplittableRandom seedSource;
  private final ScheduledExecutorService timer;
  private final Map<String, TaskDefinition> definitions = new ConcurrentHashMap<>();
  private final Map<String, StepCounts> perStep = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failuresByKind = new ConcurrentHashMap<>();
  private final AtomicInteger podsRunning = new AtomicInteger();
  private final AtomicInteger podsRunningPeak = new AtomicInteger();
  private final AtomicLong shardCalls = new AtomicLong();

  /**
   * @param failureRate probability that an attempt fails with a transient (retryable) failure
   * @param permanentFailureRate probability that an attempt fails on bad input (not retryable)
   * @param backoffScale factor on the step's retry backoff (1 = real waits; the benchmark uses
   *     less)
   */
  public SimulatedExecutor(
      InMemoryMarkerStores markers,
      DurationModel durations,
      double failureRate,
      double permanentFailureRate,
      double backoffScale,
      long seed) {
    this.markers = markers;
    this.durations = durations;
    this.failureRate = failureRate;
    this.permanentFailureRate = permanentFailureRate;
    this.backoffScale = backoffScale;
    this.seedSource = new SplittableRandom(seed);
    AtomicInteger n = new AtomicInteger();
    this.timer =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "simulated-tasks-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public String describe() {
    return "simulated (durations " + durations + ", failure rate " + failureRate + ")";
  }

  public Map<String, StepCounts> perStep() {
    return Collections.unmodifiableMap(new TreeMap<>(perStep));
  }

  public Map<String, Long> failuresByKind() {
    Map<String, Long> out = new TreeMap<>();
    failuresByKind.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  public int podsRunningPeak() {
    return podsRunningPeak.get();
  }

  public long shardCalls() {
    return shardCalls.get();
  }

  @Override
  public List<TaskResult> runShard(ShardRequest request, ShardListener listener)
      throws InterruptedException, ExecutorException {
    shardCalls.incrementAndGet();
    StepConfig step = request.step();
    StepCounts counts = perStep.computeIfAbsent(step.qualifiedName(), k -> new StepCounts());
    counts.jobs.increment();
    Grouping g = definition(request.stepDir(), step.paramsHash()).plan().grouping();
    InMemoryMarkerStores.Markers m = markers.markers(request.stepDir());
    SplittableRandom random;
    synchronized (seedSource) {
      random = seedSource.split();
    }
    ShardRun run = new ShardRun(step, g, m, listener, counts, random);
    for (UnitRange r : request.tasks()) {
      for (long t = r.from(); t < r.to(); t++) {
        run.ready.add(new TaskState(t));
      }
    }
    run.total = run.ready.size();
    if (durations.isZero()
        && (failureRate == 0 && permanentFailureRate == 0 || backoffScale == 0)) {
      run.runInline();
    } else {
      run.start();
      try {
        run.await();
      } catch (InterruptedException e) {
        run.stop();
        throw e;
      }
    }
    List<TaskResult> results = new ArrayList<>(run.results);
    results.sort((a, b) -> Long.compare(a.task(), b.task()));
    return results;
  }

  private TaskDefinition definition(Path stepDir, String hash) throws ExecutorException {
    String key = stepDir + "#" + hash;
    TaskDefinition d = definitions.get(key);
    if (d == null) {
      try {
        // what every real task does first: read the step's definition
        d = TaskDefinition.read(new StepLayout(stepDir).definitionFile());
      } catch (IOException e) {
        throw new ExecutorException(
            "cannot read step definition in " + stepDir + ": " + e.getMessage(),
            new UncheckedIOException(e));
      }
      if (d.paramsHash().equals(hash)) {
        definitions.put(key, d);
      }
    }
    return d;
  }

  private static final class TaskState {
    final long task;
    int attempt;

    TaskState(long task) {
      this.task = task;
    }
  }

  /** The tasks of one shard execution, run with at most {@code parallelism} attempts at once. */
  private final class ShardRun {
    final StepConfig step;
    final Grouping g;
    final InMemoryMarkerStores.Markers m;
    final ShardListener listener;
    final StepCounts counts;
    final SplittableRandom random;
    final Deque<TaskState> ready = new ArrayDeque<>();
    final List<TaskResult> results = new ArrayList<>();
    final List<ScheduledFuture<?>> timers = new ArrayList<>();
    final int parallelism;
    int total;
    int running;
    boolean stopped;

    ShardRun(
        StepConfig step,
        Grouping g,
        InMemoryMarkerStores.Markers m,
        ShardListener listener,
        StepCounts counts,
        SplittableRandom random) {
      this.step = step;
      this.g = g;
      this.m = m;
      this.listener = listener;
      this.counts = counts;
      this.random = random;
      this.parallelism = Math.max(1, step.parallelism());
    }

    /** No time passes: attempts run one after the other on the caller's thread. */
    void runInline() {
      while (!ready.isEmpty()) {
        TaskState t = ready.poll();
        boolean again = true;
        while (again) {
          t.attempt++;
          begin(t);
          again = end(t, Duration.ZERO);
        }
      }
    }

    synchronized void start() {
      pump();
    }

    /** Starts attempts while slots are free. Holds the lock. */
    private void pump() {
      while (!stopped && running < parallelism && !ready.isEmpty()) {
        TaskState t = ready.poll();
        t.attempt++;
        running++;
        begin(t);
        long nanos = durations.sampleNanos(random);
        long started = System.nanoTime();
        timers.add(timer.schedule(() -> finish(t, started), nanos, TimeUnit.NANOSECONDS));
      }
      if (results.size() == total) {
        notifyAll();
      }
    }

    private synchronized void finish(TaskState t, long started) {
      if (stopped) {
        return;
      }
      running--;
      boolean again = end(t, Duration.ofNanos(System.nanoTime() - started));
      if (again) {
        long backoff = (long) (step.retry().backoffBefore(t.attempt + 1).toNanos() * backoffScale);
        timers.add(timer.schedule(() -> requeue(t), backoff, TimeUnit.NANOSECONDS));
      }
      timers.removeIf(ScheduledFuture::isDone);
      pump();
    }

    private synchronized void requeue(TaskState t) {
      ready.add(t);
      pump();
    }

    synchronized void await() throws InterruptedException {
      while (results.size() < total) {
        wait();
      }
    }

    synchronized void stop() {
      stopped = true;
      for (ScheduledFuture<?> f : timers) {
        f.cancel(false);
      }
      podsRunning.addAndGet(-running);
    }

    private void begin(TaskState t) {
      counts.pods.increment();
      int now = podsRunning.incrementAndGet();
      podsRunningPeak.accumulateAndGet(now, Math::max);
      listener.taskStarted(t.task, t.attempt);
    }

    /** Ends an attempt; returns true when the task must be attempted again. */
    private boolean end(TaskState t, Duration took) {
      podsRunning.decrementAndGet();
      UnitRange units = g.unitsOfTask(t.task);
      double draw = random.nextDouble();
      Termination how =
          draw < permanentFailureRate
              ? PERMANENT
              : draw < permanentFailureRate + failureRate
                  ? TRANSIENT[random.nextInt(TRANSIENT.length)]
                  : Termination.exit(TaskExitCodes.OK);
      TaskFailure failure = FailureClassifier.classify(how, step.retry().nonRetryableExitCodes());
      // the units this attempt finished: all of them, or those before the one it failed on
      long to = failure == null ? units.to() : units.from() + random.nextLong(units.size());
      BitSetRange.markUnmarked(m, units.from(), to, step.paramsHash(), counts.unitsMarked);
      if (failure != null) {
        counts.attemptsFailed.increment();
        failuresByKind.computeIfAbsent(failure.kind().name(), k -> new LongAdder()).increment();
      }
      listener.taskAttemptEnded(t.task, t.attempt, failure, took);
      boolean again =
          failure != null
              && failure.retryable()
              && t.attempt < Math.max(1, step.retry().maxAttempts());
      if (!again) {
        TaskResult r =
            new TaskResult(
                t.task,
                t.attempt,
                failure,
                failure == null
                    ? null
                    : "simulated " + failure.kind() + " (exit " + failure.exitCode() + ")",
                took);
        if (failure != null) {
          counts.tasksFailedForGood.increment();
        }
        results.add(r);
        listener.taskFinished(r);
      }
      return again;
    }
  }

  /**
   * Marking helper: counts only the units that were not marked before (a retry reruns only those).
   */
  private static final class BitSetRange {
    static void markUnmarked(
        InMemoryMarkerStores.Markers m, long from, long to, String hash, LongAdder counter) {
      if (to <= from) {
        return;
      }
      long before = m.scan(new UnitRange(from, to), hash).cardinality();
      m.mark(from, to, hash);
      counter.add((to - from) - before);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
