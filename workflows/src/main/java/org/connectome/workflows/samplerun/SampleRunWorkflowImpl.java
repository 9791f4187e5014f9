package org.connectome.workflows.samplerun;

import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.util.List;
import org.connectome.activities.recording.RecordRunInput;
import org.connectome.activities.recording.RecordingActivities;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunState;
import org.connectome.pipeline.Pipeline;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.ActivityTimeouts;
import org.connectome.workflows.RunSearchAttributes;
import org.connectome.workflows.samplerun.StepRunner.Child;
import org.connectome.workflows.samplerun.StepRunner.Signal;

/**
 * See {@link SampleRunWorkflow}. The run's plan is a graph of steps ({@link StepScheduler}); the
 * stages' states live in a {@link StageBook}, the steps' child workflows in a {@link StepRunner}.
 */
public class SampleRunWorkflowImpl implements SampleRunWorkflow {
  private final RecordingActivities recording =
      Workflow.newActivityStub(
          RecordingActivities.class, ActivityTimeouts.of(null).recordingOptions());

  /** Change id of the step synapses.index (see {@link Workflow#getVersion}). */
  static final String SYNAPSES_INDEX_CHANGE = "synapses-index-step";

  /** Version marker of the change that added the compress stage's pyramid steps. */
  static final String PYRAMID_CHANGE = "compress-pyramid-steps";

  /**
   * Change id of the plan as a graph: steps start when what they read is done and are hashed over
   * exactly those inputs. Runs started before ran the steps one after another, hashed as a chain.
   */
  static final String STEP_GRAPH_CHANGE = "step-graph";

  /** Change id of the step segment.merge (reconciliation in shards, merged level by level). */
  static final String RECONCILE_MERGE_CHANGE = "segment-merge-step";

  private String runId;
  private String state = "RUNNING";
  private StageBook book;
  private StepRunner runner;
  private StepScheduler scheduler;
  private Pipeline.HashScheme scheme;
  private CancellationScope scope;
  private String cancelReason;

  /** Signals that came before the runner existed. */
  private final List<Signal> early = new java.util.ArrayList<>();

  @Override
  public SampleRunResult run(SampleRunInput input) {
    RunSpec spec = input.spec();
    runId = spec.runId();
    scheme =
        Workflow.getVersion(STEP_GRAPH_CHANGE, Workflow.DEFAULT_VERSION, 1)
                == Workflow.DEFAULT_VERSION
            ? Pipeline.HashScheme.CHAIN
            : Pipeline.HashScheme.DAG;
    // synapses.index joined the chain after runs were started without it: those replay without it
    List<Pipeline.StagePlan> chain =
        Workflow.getVersion(SYNAPSES_INDEX_CHANGE, Workflow.DEFAULT_VERSION, 1)
                == Workflow.DEFAULT_VERSION
            ? Pipeline.without(Pipeline.stages(spec, scheme), "synapses.index")
            : Pipeline.stages(spec, scheme);
    // so did the compress stage's pyramid steps (the full pyramid, a step per scale)
    List<Pipeline.StagePlan> pyramid =
        Workflow.getVersion(PYRAMID_CHANGE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION
            ? Pipeline.withoutPyramid(chain)
            : chain;
    // so did segment.merge, when segment.reconcile became a step of shards
    List<Pipeline.StagePlan> plan =
        Workflow.getVersion(RECONCILE_MERGE_CHANGE, Workflow.DEFAULT_VERSION, 1)
                == Workflow.DEFAULT_VERSION
            ? Pipeline.without(pyramid, "segment.merge")
            : pyramid;
    book = new StageBook(recording, runId, spec.sample(), plan);
    runner = new StepRunner(input, plan, book, recording);
    early.forEach(runner::signal);
    scheduler =
        new StepScheduler(
            plan,
            Pipeline.waitsFor(spec, plan, scheme),
            book,
            runner,
            new QualityGates(input.spec(), runner));
    recording.recordRun(
        new RecordRunInput(
            runId,
            spec,
            Workflow.getInfo().getWorkflowId(),
            RunState.RUNNING,
            input.relaunch() == 0 ? EventKind.RUN_STARTED : EventKind.RUN_RESUMED,
            (input.relaunch() == 0 ? "started: " : "relaunched from completion markers: ")
                + plan.size()
                + " stages"));
    String[] failure = new String[1];
    scope = Workflow.newCancellationScope(() -> failure[0] = scheduler.run());
    if (cancelReason != null) {
      scope.cancel(cancelReason); // cancelled before the stages began
    }
    try {
      scope.run();
    } catch (CanceledFailure e) {
      String reason = cancelReason != null ? cancelReason : "cancelled";
      SampleRunResult[] cancelled = new SampleRunResult[1];
      // detached: a cancelled workflow still records how it ended
      Workflow.newDetachedCancellationScope(
              () -> {
                stopAll(reason);
                cancelled[0] =
                    finish(
                        SampleRunResult.CANCELLED,
                        RunState.CANCELLED,
                        EventKind.RUN_CANCELLED,
                        reason);
              })
          .run();
      return cancelled[0];
    }
    if (failure[0] != null) {
      return finish(SampleRunResult.FAILED, RunState.FAILED, EventKind.RUN_FAILED, failure[0]);
    }
    return finish(
        SampleRunResult.DONE,
        RunState.DONE,
        EventKind.RUN_FINISHED,
        "all " + plan.size() + " stages done");
  }

  /** After a cancellation: waits until every running step has stopped its shards. */
  private void stopAll(String reason) {
    for (Child c : runner.active()) {
      try {
        c.result().get();
      } catch (RuntimeException stopped) {
        // cancelled: that is what we waited for
      }
    }
    // the chain had one stage at a time (its last begun); the graph may have several open
    List<String> stopped =
        scheme == Pipeline.HashScheme.DAG
            ? book.open()
            : scheduler.currentStage() == null ? List.of() : List.of(scheduler.currentStage());
    for (String stage : stopped) {
      book.cancelled(stage, reason);
    }
  }

  private SampleRunResult finish(String result, RunState run, EventKind event, String message) {
    state = result;
    recording.recordRun(new RecordRunInput(runId, null, null, run, event, message));
    RunSearchAttributes.upsertState(run.name());
    return new SampleRunResult(
        runId, state, book.outcomes(), result.equals(SampleRunResult.DONE) ? null : message);
  }

  private void signal(Signal s) {
    if (runner == null) {
      early.add(s);
    } else {
      runner.signal(s);
    }
  }

  @Override
  public void pause() {
    signal(Signal.PAUSE);
  }

  @Override
  public void resume() {
    signal(Signal.RESUME);
  }

  @Override
  public void approve() {
    signal(Signal.APPROVE);
  }

  @Override
  public void cancel(String reason) {
    cancelReason = reason == null || reason.isBlank() ? "cancelled" : reason;
    if (scope != null) {
      scope.cancel(cancelReason);
    }
  }

  @Override
  public void retryFailed() {
    signal(Signal.RETRY);
  }

  @Override
  public RunProgress progress() {
    boolean paused = runner == null ? early.contains(Signal.PAUSE) : runner.paused();
    return new RunProgress(
        runId,
        paused && state.equals("RUNNING") ? "PAUSED" : state,
        scheduler == null ? null : scheduler.currentStage(),
        runner == null ? null : runner.currentStep(),
        runner == null ? null : runner.currentStepWorkflowId(),
        book == null ? List.of() : book.outcomes());
  }
}
