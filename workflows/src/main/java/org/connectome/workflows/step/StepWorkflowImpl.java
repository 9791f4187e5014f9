package org.connectome.workflows.step;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.activities.FailedUnits;
import org.connectome.activities.RunLocation;
import org.connectome.activities.planning.PlanStepInput;
import org.connectome.activities.planning.PlanStepOutput;
import org.connectome.activities.planning.PlanningActivities;
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
import org.connectome.workflows.ActivityTimeouts;
import org.connectome.workflows.WorkflowTuning;
import org.slf4j.Logger;

/** See {@link StepWorkflow}. */
public class StepWorkflowImpl implements StepWorkflow {
  private static final Logger log = Workflow.getLogger(StepWorkflowImpl.class);

  private final RecordingActivities recording =
      Workflow.newActivityStub(
          RecordingActivities.class, ActivityTimeouts.of(null).recordingOptions());
  private final PlanningActivities planning =
      Workflow.newActivityStub(
          PlanningActivities.class, ActivityTimeouts.of(null).planningOptions());

  private StepConfig step;
  private PlanStepOutput plan;
  private ShardQueue queue;
  private final Map<Long, Promise<RunShardOutput>> inFlight = new LinkedHashMap<>();
  private List<FailedUnits> failures = new ArrayList<>();
  private long unitsDone;
  private long shardsFinished;
  private int continuedAsNew;
  private boolean paused;
  private boolean retryRequested;

  /** Where a streaming step's units come from; null for a step whose inputs are all there. */
  private StreamingSource source;

  /** The later rounds of a step planned in rounds, held until the round before is done; or null. */
  private RoundGate rounds;

  @Override
  public StepResult run(StepInput input) {
    step = input.step();
    WorkflowTuning tuning = input.tuning() == null ? WorkflowTuning.defaults() : input.tuning();
    paused = input.paused();
    RunLocation location = RunLocation.of(input.spec());
    try {
      start(input);
      ShardActivities shards =
          Workflow.newActivityStub(
              ShardActivities.class, ActivityTimeouts.of(tuning).shardOptions(step));
      Grouping grouping = plan.grouping(step.unitsPerTask(), step.tasksPerShard());
      while (true) {
        if (source != null && !source.complete()) {
          failures =
              Failures.add(
                  failures,
                  source.poll(
                      queue,
                      planning,
                      location,
                      step,
                      input.spec().acquisition(),
                      plan.unitCount(),
                      grouping));
        }
        boolean rollOver = shouldContinueAsNew(tuning);
        while (!paused && !rollOver && hasRoom() && queue.hasPending()) {
          long shard = queue.next();
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
          if (rounds != null && !queue.hasPending() && rounds.hasHeld()) {
            nextRound(grouping);
            continue;
          }
          if (queue.isDrained()) {
            break;
          }
          if (rollOver) {
            Workflow.continueAsNew(carryOver(input));
          }
          if (!queue.hasPending()) {
            // streaming: nothing ready yet
            Workflow.await(
                source.pollInterval(), () -> source.upstreamFinished() || retryRequested);
          } else {
            Workflow.await(() -> !paused || retryRequested);
          }
          continue;
        }
        awaitAShardOrRoom(tuning);
        harvest(grouping);
        if (retryRequested) {
          requeueFailures(grouping);
        }
      }
      return finish(location);
    } catch (CanceledFailure e) {
      Workflow.newDetachedCancellationScope(
              () -> {
                // recorded first: running shards read it from the catalog within seconds and stop
                // their tasks (kill the processes, delete the Jobs); then wait until they have, so
                // a cancelled step leaves nothing behind
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

  /** Plans the step, or takes over what the previous execution carried. */
  private void start(StepInput input) {
    StepCarry carry = input.carry();
    StreamSource stream = input.stream();
    if (carry == null) {
      plan = planning.planStep(new PlanStepInput(input.spec(), step));
      rounds = RoundGate.of(plan.grouping(step.unitsPerTask(), step.tasksPerShard()));
      // a streaming step waits for its units' sources before dispatching them
      queue =
          stream == null
              ? new ShardQueue(firstRound(plan.pendingShards()), List.of())
              : new ShardQueue(List.of(), plan.pendingShards());
      unitsDone = plan.unitsDone();
      source = stream == null ? null : StreamingSource.starting(stream);
      log.info("{}: {}", step.qualifiedName(), plan.description());
      return;
    }
    plan = carry.plan();
    unitsDone = carry.unitsDone();
    shardsFinished = carry.shardsFinished();
    failures = new ArrayList<>(carry.failures());
    continuedAsNew = carry.continuedAsNew();
    rounds = RoundGate.of(plan.grouping(step.unitsPerTask(), step.tasksPerShard()));
    StreamCarry streaming = carry.stream();
    queue =
        new ShardQueue(
            firstRound(carry.pendingShards()), streaming == null ? List.of() : streaming.waiting());
    source =
        stream == null || streaming == null ? null : StreamingSource.resumed(stream, streaming);
  }

  private StepInput carryOver(StepInput input) {
    return new StepInput(
        input.spec(),
        step,
        input.tuning(),
        new StepCarry(
            plan,
            rounds == null
                ? queue.pending()
                : Ranges.normalize(concat(queue.pending(), rounds.held())),
            unitsDone,
            shardsFinished,
            List.copyOf(failures),
            continuedAsNew + 1,
            source == null ? null : source.carry(queue)),
        paused,
        input.stream());
  }

  /** Of {@code shards}, those of the lowest round; the gate holds the rest. */
  private List<UnitRange> firstRound(List<UnitRange> shards) {
    return rounds == null ? shards : rounds.admit(shards);
  }

  /**
   * The round that ran is over: the next one starts if every unit of it succeeded; else the later
   * rounds, which read what it writes, are reported as not run and wait for a retry.
   */
  private void nextRound(Grouping grouping) {
    if (failures.isEmpty()) {
      queue.requeue(rounds.releaseNext());
      return;
    }
    List<FailedUnits> notRun = new ArrayList<>();
    for (UnitRange shards : rounds.dropHeld()) {
      notRun.add(
          FailedUnits.of(
              new UnitRange(
                  grouping.unitsOfShard(shards.from()).from(),
                  grouping.unitsOfShard(shards.to() - 1).to()),
              "not run: an earlier round of the step has failed units, and this round reads what"
                  + " they write",
              true));
    }
    failures = Failures.add(failures, notRun);
  }

  private static List<UnitRange> concat(List<UnitRange> a, List<UnitRange> b) {
    List<UnitRange> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private boolean hasRoom() {
    return inFlight.size() < step.shardsInFlight();
  }

  /** Waits until a shard ends, a retry is asked for, or a ready shard may be dispatched. */
  private void awaitAShardOrRoom(WorkflowTuning tuning) {
    if (source == null || source.complete()) {
      Workflow.await(
          () ->
              anyCompleted()
                  || retryRequested
                  || (!paused && queue.hasPending() && hasRoom() && !shouldContinueAsNew(tuning)));
    } else {
      Workflow.await(
          source.pollInterval(),
          () ->
              anyCompleted()
                  || retryRequested
                  || source.upstreamFinished()
                  || (!paused && queue.hasPending() && hasRoom() && !shouldContinueAsNew(tuning)));
    }
  }

  /** Summarizes the step from its markers and records how it ended. */
  private StepResult finish(RunLocation location) {
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
      record(StepState.DONE, EventKind.STEP_FINISHED, plan.unitCount() + " units done");
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
      record(StepState.DONE_WITH_FAILURES, EventKind.UNITS_FAILED, message);
      return result;
    }
    record(StepState.FAILED, EventKind.STEP_FAILED, message);
    boolean retryable = report.stream().anyMatch(FailedUnits::retryable);
    throw ApplicationFailure.newNonRetryableFailure(
        message,
        StepFailureDetails.TYPE,
        new StepFailureDetails(failed, allowance, report, retryable));
  }

  private void record(StepState state, EventKind event, String message) {
    recording.recordStep(
        new RecordStepInput(step.runId(), step.stage(), step.step(), state, event, message));
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
    List<UnitRange> shards = new ArrayList<>();
    for (FailedUnits f : failures) {
      shards.add(grouping.shardsOfUnits(f.units()));
    }
    failures = new ArrayList<>();
    queue.requeue(firstRound(shards));
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
    if (source != null) {
      source.markUpstreamFinished();
    }
  }

  @Override
  public StepProgress progress() {
    long pendingCount =
        (queue == null ? 0 : queue.pendingShards())
            + (rounds == null ? 0 : Ranges.count(rounds.held()));
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
