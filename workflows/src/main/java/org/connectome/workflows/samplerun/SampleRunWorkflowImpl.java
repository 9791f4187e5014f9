package org.connectome.workflows.samplerun;

import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowCancellationType;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.connectome.acquisition.WatchSettings;
import org.connectome.activities.FailedUnits;
import org.connectome.activities.planning.StreamSource;
import org.connectome.activities.recording.RecordRunInput;
import org.connectome.activities.recording.RecordStageInput;
import org.connectome.activities.recording.RecordingActivities;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunState;
import org.connectome.catalog.StageState;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.Durations;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.ActivityTimeouts;
import org.connectome.workflows.RunSearchAttributes;
import org.connectome.workflows.WorkflowIds;
import org.connectome.workflows.step.Failures;
import org.connectome.workflows.step.StepFailureDetails;
import org.connectome.workflows.step.StepInput;
import org.connectome.workflows.step.StepResult;
import org.connectome.workflows.step.StepWorkflow;
import org.slf4j.Logger;

/** See {@link SampleRunWorkflow}. */
public class SampleRunWorkflowImpl implements SampleRunWorkflow {
  private static final Logger log = Workflow.getLogger(SampleRunWorkflowImpl.class);

  private final RecordingActivities recording =
      Workflow.newActivityStub(
          RecordingActivities.class, ActivityTimeouts.of(null).recordingOptions());

  private String runId;
  private String sample;
  private String state = "RUNNING";
  private final List<StageOutcome> stages = new ArrayList<>();
  private String currentStage;
  private String currentStep;
  private String currentStepWorkflowId;

  /** Step workflows running now (two during a live acquisition: ingest and stitching). */
  private final List<Child> active = new ArrayList<>();

  private CancellationScope scope;
  private boolean paused;

  /** Change id of the step synapses.index (see {@link Workflow#getVersion}). */
  static final String SYNAPSES_INDEX_CHANGE = "synapses-index-step";

  /** Version marker of the change that added the compress stage's pyramid steps. */
  static final String PYRAMID_CHANGE = "compress-pyramid-steps";

  /** Change id of the step segment.merge (reconciliation in shards, merged level by level). */
  static final String RECONCILE_MERGE_CHANGE = "segment-merge-step";

  /** Change id of the repair of a missing input by the steps that write it. */
  static final String UPSTREAM_REPAIR_CHANGE = "upstream-repair";

  /** The run's stages and steps. */
  private List<Pipeline.StagePlan> plan = List.of();

  /** Repairs of missing inputs so far; part of later children's IDs. */
  private int repairs;

  /** Steps whose missing input was repaired once: a second time fails the stage. */
  private final List<String> repaired = new ArrayList<>();

  private boolean pauseRecorded;
  private boolean retryNow;
  private String cancelReason;

  /** Signals not yet passed on to the running step: "pause", "resume", "retry". */
  private final List<String> toForward = new ArrayList<>();

  @Override
  public SampleRunResult run(SampleRunInput input) {
    RunSpec spec = input.spec();
    runId = spec.runId();
    sample = spec.sample();
    // synapses.index joined the chain after runs were started without it: those replay without the
    // step
    List<Pipeline.StagePlan> chain =
        Workflow.getVersion(SYNAPSES_INDEX_CHANGE, Workflow.DEFAULT_VERSION, 1)
                == Workflow.DEFAULT_VERSION
            ? Pipeline.without(Pipeline.stages(spec), "synapses.index")
            : Pipeline.stages(spec);
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
    this.plan = plan;
    for (Pipeline.StagePlan s : plan) {
      stages.add(
          new StageOutcome(s.stage(), StageState.PENDING.name(), 0, 0, 0, 0, List.of(), null));
    }
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
    scope = Workflow.newCancellationScope(() -> failure[0] = runStages(input, plan));
    if (cancelReason != null) {
      scope.cancel(cancelReason); // cancelled before the stages began
    }
    try {
      scope.run();
    } catch (CanceledFailure e) {
      String reason = cancelReason != null ? cancelReason : "cancelled";
      Workflow.newDetachedCancellationScope(
              () -> {
                // the running steps were asked to cancel; wait until they have stopped their shards
                // before the run
                // reports cancelled
                for (Child c : List.copyOf(active)) {
                  try {
                    c.result().get();
                  } catch (RuntimeException stopped) {
                    // cancelled: that is what we waited for
                  }
                }
                if (currentStage != null) {
                  setStage(currentStage, StageState.CANCELLED, null);
                  record(
                      currentStage,
                      StageState.CANCELLED,
                      EventKind.STAGE_FAILED,
                      "cancelled: " + reason,
                      false);
                }
                recording.recordRun(
                    new RecordRunInput(
                        runId, null, null, RunState.CANCELLED, EventKind.RUN_CANCELLED, reason));
                RunSearchAttributes.upsertState(RunState.CANCELLED.name());
              })
          .run();
      state = SampleRunResult.CANCELLED;
      return new SampleRunResult(runId, state, List.copyOf(stages), reason);
    }
    if (failure[0] != null) {
      state = SampleRunResult.FAILED;
      recording.recordRun(
          new RecordRunInput(runId, null, null, RunState.FAILED, EventKind.RUN_FAILED, failure[0]));
      RunSearchAttributes.upsertState(RunState.FAILED.name());
      return new SampleRunResult(runId, state, List.copyOf(stages), failure[0]);
    }
    state = SampleRunResult.DONE;
    recording.recordRun(
        new RecordRunInput(
            runId,
            null,
            null,
            RunState.DONE,
            EventKind.RUN_FINISHED,
            "all " + plan.size() + " stages done"));
    RunSearchAttributes.upsertState(RunState.DONE.name());
    return new SampleRunResult(runId, state, List.copyOf(stages), null);
  }

  /** Runs every stage; returns null when all are done, else why the run failed. */
  private String runStages(SampleRunInput input, List<Pipeline.StagePlan> plan) {
    Pipeline.AutoResume autoResume = Pipeline.autoResume(input.spec());
    for (int i = 0; i < plan.size(); i++) {
      Pipeline.StagePlan stagePlan = plan.get(i);
      try {
        if (stagePlan.stage().equals("ingest")
            && WatchSettings.of(stagePlan.steps().get(0).params()).enabled()) {
          Pipeline.StagePlan next =
              i + 1 < plan.size() && plan.get(i + 1).stage().equals("stitch")
                  ? plan.get(i + 1)
                  : null;
          runLiveIngest(input, stagePlan, next, autoResume);
          if (next != null) {
            i++;
          }
          continue;
        }
        runStage(input, stagePlan, autoResume);
      } catch (StageFailed f) {
        return f.getMessage();
      }
    }
    currentStage = null;
    return null;
  }

  /** A stage failed for good; the message says why. */
  private static final class StageFailed extends Exception {
    private static final long serialVersionUID = 1L;

    StageFailed(String message) {
      super(message);
    }
  }

  private void runStage(
      SampleRunInput input, Pipeline.StagePlan stagePlan, Pipeline.AutoResume autoResume)
      throws StageFailed {
    String stage = stagePlan.stage();
    beginStage(stagePlan);
    int[] resumes = {0};
    List<StepResult> results = new ArrayList<>();
    for (StepConfig step : stagePlan.steps()) {
      results.add(runStepWithResume(input, stage, step, results, resumes, autoResume, null, null));
      updateStage(stage, results, resumes[0]);
    }
    finishStage(stage, results, resumes[0]);
  }

  private void beginStage(Pipeline.StagePlan stagePlan) {
    String stage = stagePlan.stage();
    currentStage = stage;
    awaitUnpaused();
    setStage(stage, StageState.RUNNING, null);
    record(
        stage,
        StageState.RUNNING,
        EventKind.STAGE_STARTED,
        stagePlan.steps().size() + " steps",
        false);
  }

  private void finishStage(String stage, List<StepResult> results, int resumes) {
    long failed = results.stream().mapToLong(StepResult::unitsFailed).sum();
    StageState done = failed == 0 ? StageState.DONE : StageState.DONE_WITH_FAILURES;
    setStage(stage, done, null);
    updateStage(stage, results, resumes);
    record(
        stage,
        done,
        EventKind.STAGE_FINISHED,
        results.stream().mapToLong(StepResult::unitsDone).sum()
            + " units done"
            + (failed > 0 ? ", " + failed + " failed within the failure budget" : ""),
        false);
    currentStep = null;
    currentStepWorkflowId = null;
  }

  /**
   * Live acquisition: ingest streams sections from the acquisition as the microscope completes
   * them, and stitching streams from ingest, each section starting as soon as it is ingested. Each
   * of the two resumes on its own like any stage; a stitch failure during the acquisition is
   * resumed once ingest has finished.
   */
  private void runLiveIngest(
      SampleRunInput input,
      Pipeline.StagePlan ingestPlan,
      Pipeline.StagePlan stitchPlan,
      Pipeline.AutoResume autoResume)
      throws StageFailed {
    StepConfig ingest = ingestPlan.steps().get(0);
    WatchSettings watch = WatchSettings.of(ingest.params());
    StreamSource fromAcquisition =
        new StreamSource(
            StreamSource.ACQUISITION,
            null,
            null,
            null,
            watch.pollInterval(),
            watch.settleTime(),
            watch.timeout());
    beginStage(ingestPlan);
    Child ingestChild = startStep(input, ingest, 0, fromAcquisition);
    Child stitchChild = null;
    StepConfig stitch = null;
    if (stitchPlan != null) {
      stitch = stitchPlan.steps().get(0);
      setStage(stitchPlan.stage(), StageState.RUNNING, null);
      record(
          stitchPlan.stage(),
          StageState.RUNNING,
          EventKind.STAGE_STARTED,
          "streaming: each section starts once it is ingested",
          false);
      stitchChild =
          startStep(
              input,
              stitch,
              0,
              new StreamSource(
                  StreamSource.STEP,
                  ingest.stage(),
                  ingest.step(),
                  ingest.paramsHash(),
                  watch.pollInterval(),
                  null,
                  null));
    }
    int[] ingestResumes = {0};
    List<StepResult> ingestResults = new ArrayList<>();
    try {
      ingestResults.add(
          runStepWithResume(
              input,
              ingestPlan.stage(),
              ingest,
              ingestResults,
              ingestResumes,
              autoResume,
              fromAcquisition,
              ingestChild));
    } catch (StageFailed f) {
      if (stitchChild != null) {
        Child c = stitchChild;
        Workflow.newDetachedCancellationScope(
                () -> {
                  c.scope().cancel("ingest failed");
                  try {
                    c.result().get();
                  } catch (RuntimeException stopped) {
                    // cancelled
                  }
                })
            .run();
        active.remove(c);
        setStage(stitchPlan.stage(), StageState.CANCELLED, "ingest failed");
        record(
            stitchPlan.stage(),
            StageState.CANCELLED,
            EventKind.STAGE_FAILED,
            "cancelled: ingest failed",
            false);
      }
      throw f;
    }
    finishStage(ingestPlan.stage(), ingestResults, ingestResumes[0]);
    if (stitchChild == null) {
      return;
    }
    currentStage = stitchPlan.stage();
    if (!stitchChild.result().isCompleted()) {
      try {
        stitchChild.stub().upstreamFinished();
      } catch (CanceledFailure e) {
        throw e;
      } catch (RuntimeException e) {
        // it finished on its own meanwhile (it had seen every ingested section): the hint is not
        // needed
        log.info("{}: stitching finished before being told ingest had: {}", runId, e.getMessage());
      }
    }
    int[] stitchResumes = {0};
    List<StepResult> stitchResults = new ArrayList<>();
    stitchResults.add(
        runStepWithResume(
            input,
            stitchPlan.stage(),
            stitch,
            stitchResults,
            stitchResumes,
            autoResume,
            null,
            stitchChild));
    finishStage(stitchPlan.stage(), stitchResults, stitchResumes[0]);
  }

  /**
   * Runs one step as a child workflow until it succeeds, resuming it automatically after a backoff
   * when it fails in a way that may pass; throws {@link StageFailed} when it cannot.
   *
   * @param resumeStream the stream a resumed child starts with (null: an ordinary step)
   * @param started a child already started for the first attempt, or null
   */
  private StepResult runStepWithResume(
      SampleRunInput input,
      String stage,
      StepConfig step,
      List<StepResult> results,
      int[] resumes,
      Pipeline.AutoResume autoResume,
      StreamSource resumeStream,
      Child started)
      throws StageFailed {
    Child child = started;
    while (true) {
      awaitUnpaused();
      currentStep = step.step();
      try {
        if (child == null) {
          child = startStep(input, step, resumes[0], resumeStream);
        }
        return awaitStep(child);
      } catch (ChildWorkflowFailure f) {
        child = null;
        if (f.getCause() instanceof CanceledFailure c) {
          throw c;
        }
        String why = describe(f);
        String missing = missingInput(f);
        if (missing != null
            && !repaired.contains(step.qualifiedName())
            && Workflow.getVersion(UPSTREAM_REPAIR_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1) {
          // a file an earlier step wrote is gone: no resume of this step brings it back, running
          // the steps that write it again does (their planning finds the output missing)
          repaired.add(step.qualifiedName());
          repairUpstream(input, stage, step, missing);
          continue;
        }
        boolean retryable = isRetryable(f);
        if (!retryable || resumes[0] >= autoResume.maxResumes()) {
          String reason =
              "stage "
                  + stage
                  + " failed"
                  + (retryable
                      ? " after " + resumes[0] + " automatic resumes"
                      : " (not retryable: resuming would not help)")
                  + ": "
                  + why;
          setStage(stage, StageState.FAILED, reason);
          record(stage, StageState.FAILED, EventKind.STAGE_FAILED, reason, false);
          throw new StageFailed(reason);
        }
        resumes[0]++;
        Duration wait = autoResume.backoffBefore(resumes[0]);
        String msg =
            why
                + "\nresuming in "
                + Durations.format(wait)
                + " (automatic resume "
                + resumes[0]
                + " of "
                + autoResume.maxResumes()
                + ")";
        setStage(stage, StageState.WAITING_TO_RESUME, msg);
        record(stage, StageState.WAITING_TO_RESUME, EventKind.STAGE_FAILED, msg, false);
        log.info("{}: stage {} failed, resuming in {}", runId, stage, wait);
        retryNow = false;
        Workflow.await(wait, () -> retryNow);
        retryNow = false;
        updateStage(stage, results, resumes[0]);
        setStage(stage, StageState.RUNNING, null);
        record(
            stage,
            StageState.RUNNING,
            EventKind.STAGE_RESUMED,
            "automatic resume "
                + resumes[0]
                + " of "
                + autoResume.maxResumes()
                + ": dispatching units without a valid marker",
            true);
      }
    }
  }

  /**
   * Runs again every step of the plan before {@code failed} whose outputs it reads, directly or
   * through others ({@link Pipeline#INPUTS}); each one's planning runs the units whose outputs are
   * gone. Throws {@link StageFailed} when one of them fails.
   */
  private void repairUpstream(SampleRunInput input, String stage, StepConfig failed, String missing)
      throws StageFailed {
    java.util.Set<String> needed = new java.util.HashSet<>();
    java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(failed.qualifiedName()));
    while (!todo.isEmpty()) {
      for (String in : Pipeline.inputsOf(todo.pop())) {
        if (needed.add(in)) {
          todo.push(in);
        }
      }
    }
    List<StepConfig> steps = new ArrayList<>();
    for (Pipeline.StagePlan p : plan) {
      for (StepConfig c : p.steps()) {
        if (needed.contains(c.qualifiedName()) && c.ordinal() < failed.ordinal()) {
          steps.add(c);
        }
      }
    }
    repairs++;
    String names = String.join(", ", steps.stream().map(StepConfig::qualifiedName).toList());
    record(
        stage,
        StageState.RUNNING,
        EventKind.STAGE_RESUMED,
        failed.qualifiedName()
            + ": input missing: "
            + missing
            + "; running "
            + (steps.isEmpty() ? "no earlier step (none writes it)" : names)
            + " again to restore it, then "
            + failed.qualifiedName(),
        true);
    for (StepConfig up : steps) {
      try {
        awaitStep(startStep(input, up, 0, null));
      } catch (ChildWorkflowFailure f) {
        if (f.getCause() instanceof CanceledFailure c) {
          throw c;
        }
        String reason =
            "stage "
                + stage
                + " failed: its input "
                + missing
                + " is missing, and running "
                + up.qualifiedName()
                + " again to restore it failed: "
                + describe(f);
        setStage(stage, StageState.FAILED, reason);
        record(stage, StageState.FAILED, EventKind.STAGE_FAILED, reason, false);
        throw new StageFailed(reason);
      }
    }
  }

  /** The missing file a step failed on, when its failure says so; else null. */
  private static String missingInput(ChildWorkflowFailure f) {
    if (f.getCause() instanceof ApplicationFailure af
        && StepFailureDetails.TYPE.equals(af.getType())) {
      for (FailedUnits u : af.getDetails().get(StepFailureDetails.class).failures()) {
        if (u.missingInput() != null) {
          return u.missingInput();
        }
      }
    }
    return null;
  }

  /** A step's child workflow, started. */
  private record Child(
      StepWorkflow stub, String id, Promise<StepResult> result, CancellationScope scope) {}

  private Child startStep(SampleRunInput input, StepConfig step, int resumes, StreamSource stream) {
    String childId =
        WorkflowIds.forStep(
            Workflow.getInfo().getWorkflowId(),
            input.relaunch(),
            step.stage(),
            step.step(),
            resumes,
            repairs);
    StepWorkflow stub =
        Workflow.newChildWorkflowStub(
            StepWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(childId)
                .setCancellationType(ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
                .setTypedSearchAttributes(RunSearchAttributes.forStep(sample, runId))
                .build());
    @SuppressWarnings("unchecked")
    Promise<StepResult>[] result = new Promise[1];
    // its own scope, so that one of several running children can be cancelled alone
    CancellationScope scope =
        Workflow.newCancellationScope(
            () -> {
              result[0] =
                  Async.function(
                      stub::run,
                      new StepInput(input.spec(), step, input.tuning(), null, paused, stream));
            });
    scope.run();
    Workflow.getWorkflowExecution(stub).get();
    Child c = new Child(stub, childId, result[0], scope);
    active.add(c);
    currentStepWorkflowId = childId;
    return c;
  }

  private StepResult awaitStep(Child c) {
    try {
      while (!c.result().isCompleted()) {
        Workflow.await(() -> c.result().isCompleted() || !toForward.isEmpty());
        forwardSignals();
      }
      return c.result().get();
    } finally {
      if (c.result().isCompleted()) {
        active.remove(
            c); // a child interrupted by cancellation stays listed: the run waits for it to stop
      }
    }
  }

  /** Passes signals on to the running step, and records pause changes in the catalog. */
  private void forwardSignals() {
    List<String> signals = new ArrayList<>(toForward);
    toForward.clear();
    for (String s : signals) {
      for (Child c : List.copyOf(active)) {
        switch (s) {
          case "pause" -> c.stub().pause();
          case "resume" -> c.stub().resume();
          default -> c.stub().retryFailed();
        }
      }
    }
    recordPause();
  }

  private void recordPause() {
    if (paused != pauseRecorded) {
      pauseRecorded = paused;
      recording.recordRun(
          new RecordRunInput(
              runId,
              null,
              null,
              paused ? RunState.PAUSED : RunState.RUNNING,
              paused ? EventKind.RUN_PAUSED : EventKind.RUN_UNPAUSED,
              paused ? "paused by operator" : "resumed by operator"));
      RunSearchAttributes.upsertState(paused ? RunState.PAUSED.name() : RunState.RUNNING.name());
    }
  }

  private void awaitUnpaused() {
    recordPause();
    if (paused) {
      Workflow.await(() -> !paused);
      recordPause();
    }
  }

  private static String describe(ChildWorkflowFailure f) {
    Throwable c = f.getCause();
    while (c instanceof io.temporal.failure.ActivityFailure || c instanceof ChildWorkflowFailure) {
      c = c.getCause();
    }
    if (c instanceof io.temporal.failure.TemporalFailure t) {
      return t
          .getOriginalMessage(); // the step's own words, not Temporal's "message='...', type=..."
      // wrapping
    }
    return c == null ? f.getMessage() : c.getMessage();
  }

  /**
   * A step failure may pass on resume unless every failed unit failed on bad input or the plan is
   * impossible.
   */
  private static boolean isRetryable(ChildWorkflowFailure f) {
    if (f.getCause() instanceof ApplicationFailure af) {
      if (StepFailureDetails.TYPE.equals(af.getType())) {
        return af.getDetails().get(StepFailureDetails.class).retryable();
      }
    }
    Throwable c = f.getCause();
    while (c != null) {
      if (c instanceof ApplicationFailure af && "PlanningFailed".equals(af.getType())) {
        return false;
      }
      c = c.getCause();
    }
    return true;
  }

  private void updateStage(String stage, List<StepResult> results, int resumes) {
    long total = 0;
    long done = 0;
    long failed = 0;
    List<FailedUnits> failures = new ArrayList<>();
    for (StepResult r : results) {
      total += r.unitsTotal();
      done += r.unitsDone();
      failed += r.unitsFailed();
      failures = Failures.add(failures, r.failures());
    }
    int i = indexOf(stage);
    StageOutcome o = stages.get(i);
    stages.set(
        i, new StageOutcome(stage, o.state(), resumes, total, done, failed, failures, o.error()));
  }

  private void setStage(String stage, StageState s, String error) {
    int i = indexOf(stage);
    StageOutcome o = stages.get(i);
    stages.set(
        i,
        new StageOutcome(
            stage,
            s.name(),
            o.resumes(),
            o.unitsTotal(),
            o.unitsDone(),
            o.unitsFailed(),
            o.failures(),
            error));
  }

  private int indexOf(String stage) {
    for (int i = 0; i < stages.size(); i++) {
      if (stages.get(i).stage().equals(stage)) {
        return i;
      }
    }
    throw new IllegalArgumentException(stage);
  }

  private void record(
      String stage, StageState s, EventKind event, String message, boolean resumed) {
    recording.recordStage(
        new RecordStageInput(runId, sample, stage, indexOf(stage), s, event, message, resumed));
  }

  @Override
  public void pause() {
    paused = true;
    toForward.add("pause");
  }

  @Override
  public void resume() {
    paused = false;
    toForward.add("resume");
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
    retryNow = true;
    toForward.add("retry");
  }

  @Override
  public RunProgress progress() {
    return new RunProgress(
        runId,
        paused && state.equals("RUNNING") ? "PAUSED" : state,
        currentStage,
        currentStep,
        currentStepWorkflowId,
        List.copyOf(stages));
  }
}
