package org.connectome.workflows.step;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.activities.FailedUnits;
import org.connectome.activities.RunLocation;
import org.connectome.activities.planning.PlanStepInput;
import org.connectome.activities.planning.PlanStepOutput;
import org.connectome.activities.planning.PlanningActivities;
import org.connectome.activities.planning.ReadyShardsInput;
import org.connectome.activities.planning.ReadyShardsOutput;
import org.connectome.activities.planning.StreamSource;
import org.connectome.activities.planning.SummarizeStepInput;
import org.connectome.activities.planning.SummarizeStepOutput;
import org.connectome.activities.recording.RecordStepInput;
import org.connectome.activities.recording.RecordingActivities;
import org.connectome.activities.shard.RunShardInput;
import org.connectome.activities.shard.RunShardOutput;
import org.connectome.activities.shard.ShardActivities;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.StepState;
import org.connectome.pipeline.StepConfig;
import org.connectome.units.Grouping;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;
import org.connectome.workflows.WorkflowTuning;
import org.slf4j.Logger;

/** See {@link StepWorkflow}. */
public class StepWorkflowImpl implements StepWorkflow {
  private static final Logger log = Workflow.getLogger(StepWorkflowImpl.class);
  private static final Duration SHARD_TIMEOUT_MARGIN = Duration.ofMinutes(5);

  private final RecordingActivities recording =
      Workflow.newActivityStub(
          RecordingActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(30))
              .setRetryOptions(
                  RetryOptions.newBuilder().setMaximumInterval(Duration.ofSeconds(30)).build())
              .build());
  private final PlanningActivities planning =
      Workflow.newActivityStub(
          PlanningActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(30))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setMaximumInterval(Duration.ofMinutes(1))
                      .setMaximumAttempts(10)
                      .setDoNotRetry("PlanningFailed")
                      .build())
              .build());

  private StepConfig step;
  private PlanStepOutput plan;
  private final Deque<UnitRange> pending = new ArrayDeque<>();
  private final Map<Long, Promise<RunShardOutput>> inFlight = new LinkedHashMap<>();
  private List<FailedUnits> failures = new ArrayList<>();
  private long unitsDone;
  private long shardsFinished;
  private int continuedAsNew;
  private boolean paused;
  private boolean retryRequested;

  /** Streaming: where the units come from, null for an ordinary step. */
  private StreamSource stream;

  /** Streaming: shards whose units are not ready at their source yet. */
  private final Deque<UnitRange> waiting = new ArrayDeque<>();

  private boolean sourceComplete = true;
  private boolean upstreamFinished;
  private long streamStartMillis;
  private long nextPollMillis;
  private String waitingFor;

  @Override
  public StepResult run(StepInput input) {
    step = input.step();
    WorkflowTuning tuning = input.tuning() == null ? WorkflowTuning.defaults() : input.tuning();
    paused = input.paused();
    RunLocation location = RunLocation.of(input.spec());
    try {
      StepCarry carry = input.carry();
      stream = input.stream();
      if (carry == null) {
        plan = planning.planStep(new PlanStepInput(input.spec(), step));
        // a streaming step waits for its units' sources before dispatching them
        (stream == null ? pending : waiting).addAll(plan.pendingShards());
        unitsDone = plan.unitsDone();
        sourceComplete = stream == null;
        streamStartMillis = Workflow.currentTimeMillis();
        log.info("{}: {}", step.qualifiedName(), plan.description());
      } else {
        plan = carry.plan();
        pending.addAll(carry.pendingShards());
        unitsDone = carry.unitsDone();
        shardsFinished = carry.shardsFinished();
        failures = new ArrayList<>(carry.failures());
        continuedAsNew = carry.continuedAsNew();
        if (carry.stream() != null) {
          waiting.addAll(carry.stream().waiting());
          sourceComplete = carry.stream().sourceComplete();
          streamStartMillis = carry.stream().startedAtMillis();
        } else {
          sourceComplete = true;
        }
      }
      ShardActivities shards =
          Workflow.newActivityStub(
              ShardActivities.class,
              ActivityOptions.newBuilder()
                  .setTaskQueue(step.taskQueue())
                  // the executor enforces the step's timeout itself and reports timed-out tasks;
                  // the margin lets it
                  // stop them and answer before Temporal gives up on the activity
                  .setStartToCloseTimeout(step.timeout().plus(SHARD_TIMEOUT_MARGIN))
                  .setHeartbeatTimeout(tuning.heartbeatTimeout())
                  .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                  .setRetryOptions(
                      RetryOptions.newBuilder()
                          .setInitialInterval(Duration.ofSeconds(2))
                          .setMaximumInterval(Duration.ofMinutes(1))
                          .setMaximumAttempts(8)
                          .setDoNotRetry("StaleStepDefinition")
                          .build())
                  .build());
      Grouping grouping = new Grouping(plan.unitCount(), step.unitsPerTask(), step.tasksPerShard());

      while (true) {
        if (!sourceComplete) {
          pollSource(input, location, grouping);
        }
        boolean rollOver = shouldContinueAsNew(tuning);
        while (!paused
            && !rollOver
            && inFlight.size() < step.shardsInFlight()
            && !pending.isEmpty()) {
          long shard = nextPending();
          inFlight.put(
              shard,
              Async.function(
                  shards::runShard,
                  new RunShardInput(location, step, shard, input.spec().executor())));
        }
        if (inFlight.isEmpty()) {
          if (retryRequested) {
            requeueFailures(grouping);
            continue;
          }
          if (pending.isEmpty() && waiting.isEmpty()) {
            break;
          }
          if (rollOver) {
            StreamCarry streamCarry =
                stream == null
                    ? null
                    : new StreamCarry(List.copyOf(waiting), sourceComplete, streamStartMillis);
            Workflow.continueAsNew(
                new StepInput(
                    input.spec(),
                    step,
                    input.tuning(),
                    new StepCarry(
                        plan,
                        List.copyOf(pending),
                        unitsDone,
                        shardsFinished,
                        List.copyOf(failures),
                        continuedAsNew + 1,
                        streamCarry),
                    paused,
                    stream));
          }
          if (pending.isEmpty()) {
            // streaming: nothing ready yet
            Workflow.await(stream.pollInterval(), () -> upstreamFinished || retryRequested);
          } else {
            Workflow.await(() -> !paused || retryRequested);
          }
          continue;
        }
        if (sourceComplete) {
          Workflow.await(
              () ->
                  anyCompleted()
                      || retryRequested
                      || (!paused
                          && !pending.isEmpty()
                          && inFlight.size() < step.shardsInFlight()
                          && !shouldContinueAsNew(tuning)));
        } else {
          Workflow.await(
              stream.pollInterval(),
              () ->
                  anyCompleted()
                      || retryRequested
                      || upstreamFinished
                      || (!paused
                          && !pending.isEmpty()
                          && inFlight.size() < step.shardsInFlight()
                          && !shouldContinueAsNew(tuning)));
        }
        harvest(grouping);
        if (retryRequested) {
          requeueFailures(grouping);
        }
      }

      SummarizeStepOutput summary =
          planning.summarizeStep(new SummarizeStepInput(location, step, plan.unitCount()));
      unitsDone = summary.unitsDone();
      long failed = summary.unitsMissing();
      List<FailedUnits> report = failureReport(summary);
      StepResult result =
          new StepResult(
              step.stage(),
              step.step(),
              step.paramsHash(),
              plan.unitKind(),
              plan.unitCount(),
              unitsDone,
              failed,
              report,
              plan.shardCount(),
              continuedAsNew);
      if (failed == 0) {
        recording.recordStep(
            new RecordStepInput(
                step.runId(),
                step.stage(),
                step.step(),
                StepState.DONE,
                EventKind.STEP_FINISHED,
                plan.unitCount() + " units done"));
        return result;
      }
      long allowance = step.failureAllowance(plan.unitCount());
      String message =
          failed
              + " of "
              + plan.unitCount()
              + " units of "
              + step.qualifiedName()
              + " failed after all retries (failure budget: "
              + allowance
              + ")"
              + Failures.summary(report, 10);
      if (failed <= allowance) {
        recording.recordStep(
            new RecordStepInput(
                step.runId(),
                step.stage(),
                step.step(),
                StepState.DONE_WITH_FAILURES,
                EventKind.UNITS_FAILED,
                message));
        return result;
      }
      recording.recordStep(
          new RecordStepInput(
              step.runId(),
              step.stage(),
              step.step(),
              StepState.FAILED,
              EventKind.STEP_FAILED,
              message));
      boolean retryable = report.stream().anyMatch(FailedUnits::retryable);
      throw ApplicationFailure.newNonRetryableFailure(
          message,
          StepFailureDetails.TYPE,
          new StepFailureDetails(failed, allowance, report, retryable));
    } catch (CanceledFailure e) {
      Workflow.newDetachedCancellationScope(
              () -> {
                // recorded first: running shards read it from the catalog within seconds and stop
                // their tasks (kill the
                // processes, delete the Jobs); then wait until they have, so a cancelled step
                // leaves nothing behind
                recording.recordStep(
                    new RecordStepInput(
                        step.runId(),
                        step.stage(),
                        step.step(),
                        StepState.CANCELLED,
                        null,
                        "cancelled"));
                for (Promise<RunShardOutput> p : inFlight.values()) {
                  try {
                    p.get();
                  } catch (RuntimeException stopped) {
                    // cancelled or failed: either way it has ended
                  }
                }
              })
          .run();
      throw e;
    }
  }

  /**
   * Moves shards whose units became ready from {@link #waiting} to {@link #pending}, at most once
   * per poll interval. When the source is finished every remaining shard is released; a live
   * acquisition that has not delivered all expected sections within its timeout fails the missing
   * ones.
   */
  private void pollSource(StepInput input, RunLocation location, Grouping grouping) {
    if (upstreamFinished) {
      releaseAllWaiting();
      return;
    }
    long now = Workflow.currentTimeMillis();
    if (now < nextPollMillis || waiting.isEmpty()) {
      if (waiting.isEmpty()) {
        sourceComplete = true;
      }
      return;
    }
    nextPollMillis = now + stream.pollInterval().toMillis();
    ReadyShardsOutput ready =
        planning.readyShards(
            new ReadyShardsInput(
                location,
                step,
                stream,
                input.spec().acquisition(),
                plan.unitCount(),
                Ranges.coarsen(List.copyOf(waiting), 200)));
    waitingFor = ready.waitingFor();
    if (ready.sourceComplete()) {
      releaseAllWaiting();
      return;
    }
    List<UnitRange> remaining = new ArrayList<>();
    for (UnitRange w : waiting) {
      remaining.add(w);
    }
    for (UnitRange r : ready.ready()) {
      pending.add(r);
      remaining = subtract(remaining, r);
    }
    waiting.clear();
    waiting.addAll(remaining);
    if (StreamSource.ACQUISITION.equals(stream.kind())
        && now - streamStartMillis > stream.timeout().toMillis()
        && !waiting.isEmpty()) {
      for (UnitRange shards : waiting) {
        UnitRange units =
            new UnitRange(
                grouping.unitsOfShard(shards.from()).from(),
                grouping.unitsOfShard(shards.to() - 1).to());
        failures =
            Failures.add(
                failures,
                List.of(
                    FailedUnits.of(
                        units,
                        "not complete in the acquisition after "
                            + stream.timeout()
                            + (waitingFor == null ? "" : ": " + waitingFor),
                        true)));
      }
      waiting.clear();
      sourceComplete = true;
    }
  }

  private void releaseAllWaiting() {
    pending.addAll(waiting);
    List<UnitRange> all = Ranges.normalize(List.copyOf(pending));
    pending.clear();
    pending.addAll(all);
    waiting.clear();
    sourceComplete = true;
  }

  private static List<UnitRange> subtract(List<UnitRange> from, UnitRange cut) {
    List<UnitRange> out = new ArrayList<>();
    for (UnitRange r : from) {
      if (!r.overlaps(cut)) {
        out.add(r);
        continue;
      }
      if (r.from() < cut.from()) {
        out.add(new UnitRange(r.from(), cut.from()));
      }
      if (cut.to() < r.to()) {
        out.add(new UnitRange(cut.to(), r.to()));
      }
    }
    return out;
  }

  private long nextPending() {
    UnitRange r = pending.pollFirst();
    if (r.size() > 1) {
      pending.addFirst(new UnitRange(r.from() + 1, r.to()));
    }
    return r.from();
  }

  private boolean anyCompleted() {
    for (Promise<RunShardOutput> p : inFlight.values()) {
      if (p.isCompleted()) {
        return true;
      }
    }
    return false;
  }

  private void harvest(Grouping grouping) {
    Iterator<Map.Entry<Long, Promise<RunShardOutput>>> it = inFlight.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Promise<RunShardOutput>> e = it.next();
      if (!e.getValue().isCompleted()) {
        continue;
      }
      it.remove();
      shardsFinished++;
      long shard = e.getKey();
      try {
        RunShardOutput out = e.getValue().get();
        unitsDone += out.unitsDone() - out.unitsDoneBefore();
        if (!out.failures().isEmpty()) {
          failures = Failures.add(failures, out.failures());
        }
      } catch (ActivityFailure f) {
        // the shard could not run at all, even after the activity's own retries (executor or worker
        // trouble)
        boolean retryable = !(f.getCause() instanceof ApplicationFailure af && af.isNonRetryable());
        failures =
            Failures.add(
                failures,
                List.of(
                    FailedUnits.of(
                        grouping.unitsOfShard(shard),
                        "shard " + shard + " could not run: " + rootMessage(f),
                        retryable)));
      }
    }
  }

  private void requeueFailures(Grouping grouping) {
    retryRequested = false;
    List<UnitRange> shards = new ArrayList<>(pending);
    for (FailedUnits f : failures) {
      shards.add(grouping.shardsOfUnits(f.units()));
    }
    failures = new ArrayList<>();
    pending.clear();
    pending.addAll(Ranges.normalize(shards));
  }

  /**
   * Exact failed ranges from the markers, annotated with the errors the shards reported for them.
   */
  private List<FailedUnits> failureReport(SummarizeStepOutput summary) {
    List<FailedUnits> out = new ArrayList<>();
    for (UnitRange missing : summary.missingRanges()) {
      boolean covered = false;
      for (FailedUnits f : failures) {
        UnitRange both = f.units().intersect(missing);
        if (!both.isEmpty()) {
          out.add(f.withUnits(both));
          covered = true;
        }
      }
      if (!covered) {
        out.add(
            FailedUnits.of(
                missing, "no marker and no error reported (the shard may have been lost)", true));
      }
    }
    return Failures.add(List.of(), out);
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage();
  }

  private boolean shouldContinueAsNew(WorkflowTuning tuning) {
    WorkflowInfo info = Workflow.getInfo();
    return info.isContinueAsNewSuggested() || info.getHistoryLength() >= tuning.eventCap();
  }

  @Override
  public void pause() {
    paused = true;
  }

  @Override
  public void resume() {
    paused = false;
  }

  @Override
  public void retryFailed() {
    retryRequested = true;
  }

  @Override
  public void upstreamFinished() {
    upstreamFinished = true;
  }

  @Override
  public StepProgress progress() {
    long pendingCount = Ranges.count(List.copyOf(pending));
    return new StepProgress(
        step == null ? null : step.stage(),
        step == null ? null : step.step(),
        plan == null ? 0 : plan.unitCount(),
        unitsDone,
        plan == null ? 0 : plan.shardCount(),
        shardsFinished,
        inFlight.size(),
        pendingCount,
        paused,
        continuedAsNew,
        List.copyOf(failures));
  }
}
