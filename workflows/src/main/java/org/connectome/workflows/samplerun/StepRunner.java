package org.connectome.workflows.samplerun;

import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowCancellationType;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.connectome.activities.FailedUnits;
import org.connectome.activities.planning.StreamSource;
import org.connectome.activities.recording.RecordRunInput;
import org.connectome.activities.recording.RecordingActivities;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunState;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.Durations;
import org.connectome.workflows.RunSearchAttributes;
import org.connectome.workflows.WorkflowIds;
import org.connectome.workflows.step.StepFailureDetails;
import org.connectome.workflows.step.StepInput;
import org.connectome.workflows.step.StepResult;
import org.connectome.workflows.step.StepWorkflow;
import org.slf4j.Logger;

/**
 * Runs steps of a run as child workflows: resumes a failed step automatically after a backoff when
 * resuming may help, repairs a missing input by running again the steps that write it, passes the
 * run's signals (pause, resume, retry) on to every running step. Several steps may be running at
 * once, each in its own workflow thread. Workflow code.
 */
final class StepRunner {
  private static final Logger log = Workflow.getLogger(StepRunner.class);

  /** Change id of the repair of a missing input by the steps that write it. */
  static final String UPSTREAM_REPAIR_CHANGE = "upstream-repair";

  /** A stage failed for good; the message says why. */
  static final class StageFailed extends Exception {
    private static final long serialVersionUID = 1L;

    StageFailed(String message) {
      super(message);
    }
  }

  /** A step's child workflow, started. */
  record Child(StepWorkflow stub, String id, Promise<StepResult> result, CancellationScope scope) {}

  private final SampleRunInput input;
  private final List<Pipeline.StagePlan> plan;
  private final StageBook book;
  private final RecordingActivities recording;
  private final String sample;
  private final String runId;
  private final Pipeline.AutoResume autoResume;

  /** Step workflows running now. */
  private final List<Child> active = new ArrayList<>();

  /** Signals not yet passed on to the running steps. */
  private final List<Signal> toForward = new ArrayList<>();

  private boolean paused;
  private boolean pauseRecorded;
  private String unpauseNote = "resumed by operator";
  private int retrySignals;

  /** Repairs of missing inputs so far; part of later children's IDs. */
  private int repairs;

  /** Steps whose missing input was repaired once: a second time fails the stage. */
  private final List<String> repaired = new ArrayList<>();

  private String currentStep;
  private String currentStepWorkflowId;

  /** A run signal passed on to its running steps. */
  enum Signal {
    PAUSE,
    RESUME,
    /** A resume that releases a run held for review, recorded as an approval. */
    APPROVE,
    RETRY
  }

  StepRunner(
      SampleRunInput input,
      List<Pipeline.StagePlan> plan,
      StageBook book,
      RecordingActivities recording) {
    this.input = input;
    this.plan = plan;
    this.book = book;
    this.recording = recording;
    this.sample = input.spec().sample();
    this.runId = input.spec().runId();
    this.autoResume = Pipeline.autoResume(input.spec());
  }

  String currentStep() {
    return currentStep;
  }

  String currentStepWorkflowId() {
    return currentStepWorkflowId;
  }

  boolean paused() {
    return paused;
  }

  /** Children started and not seen to finish (the run waits for them when cancelled). */
  List<Child> active() {
    return List.copyOf(active);
  }

  void signal(Signal s) {
    switch (s) {
      case PAUSE -> paused = true;
      case RESUME, APPROVE -> {
        unpauseNote = s == Signal.APPROVE ? "approved by operator" : "resumed by operator";
        paused = false;
      }
      case RETRY -> retrySignals++;
    }
    toForward.add(s == Signal.APPROVE ? Signal.RESUME : s);
  }

  /** A step done with: the run's progress no longer names it. */
  void clearCurrentStep() {
    currentStep = null;
    currentStepWorkflowId = null;
  }

  /**
   * Runs one step until it succeeds, resuming it automatically after a backoff when it fails in a
   * way that may pass; throws {@link StageFailed} when it cannot.
   *
   * @param resumeStream the stream a resumed child starts with (null: an ordinary step)
   * @param started a child already started for the first attempt, or null
   */
  StepResult runWithResume(StepConfig step, StreamSource resumeStream, Child started)
      throws StageFailed {
    String stage = step.stage();
    Child child = started;
    while (true) {
      awaitUnpaused();
      currentStep = step.step();
      try {
        if (child == null) {
          child = start(step, book.resumes(stage), resumeStream);
        }
        return await(child);
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
          repairUpstream(step, missing);
          continue;
        }
        boolean retryable = isRetryable(f);
        int resumes = book.resumes(stage);
        if (!retryable || resumes >= autoResume.maxResumes()) {
          String reason =
              "stage "
                  + stage
                  + " failed"
                  + (retryable
                      ? " after " + resumes + " automatic resumes"
                      : " (not retryable: resuming would not help)")
                  + ": "
                  + why;
          book.failed(stage, reason);
          throw new StageFailed(reason);
        }
        resumes = book.resumed(stage);
        Duration wait = autoResume.backoffBefore(resumes);
        // counted before the stage is recorded as waiting: a retry sent as soon as an operator
        // sees it waiting must not be lost
        int retriesBefore = retrySignals;
        book.waitingToResume(
            stage,
            why
                + "\nresuming in "
                + Durations.format(wait)
                + " (automatic resume "
                + resumes
                + " of "
                + autoResume.maxResumes()
                + ")");
        log.info("{}: stage {} failed, resuming in {}", runId, stage, wait);
        Workflow.await(wait, () -> retrySignals != retriesBefore);
        book.resuming(
            stage,
            "automatic resume "
                + resumes
                + " of "
                + autoResume.maxResumes()
                + ": dispatching units without a valid marker");
      }
    }
  }

  /**
   * Runs again every step of the plan before {@code failed} whose outputs it reads, directly or
   * through others ({@link Pipeline#inputsOf}); each one's planning runs the units whose outputs
   * are gone. Throws {@link StageFailed} when one of them fails.
   */
  private void repairUpstream(StepConfig failed, String missing) throws StageFailed {
    String stage = failed.stage();
    Set<String> needed = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(failed.qualifiedName()));
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
    book.note(
        stage,
        failed.qualifiedName()
            + ": input missing: "
            + missing
            + "; running "
            + (steps.isEmpty() ? "no earlier step (none writes it)" : names)
            + " again to restore it, then "
            + failed.qualifiedName());
    for (StepConfig up : steps) {
      try {
        await(start(up, 0, null));
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
        book.failed(stage, reason);
        throw new StageFailed(reason);
      }
    }
  }

  /** Starts {@code step} as a child workflow in its own cancellation scope. */
  Child start(StepConfig step, int resumes, StreamSource stream) {
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

  /** Waits for a child's result, passing the run's signals on meanwhile. */
  StepResult await(Child c) {
    try {
      while (!c.result().isCompleted()) {
        Workflow.await(() -> c.result().isCompleted() || !toForward.isEmpty());
        forwardSignals();
      }
      return c.result().get();
    } finally {
      if (c.result().isCompleted()) {
        // a child interrupted by cancellation stays listed: the run waits for it to stop
        active.remove(c);
      }
    }
  }

  /** Cancels one running child and waits until it has stopped. */
  void cancelAndWait(Child c, String reason) {
    Workflow.newDetachedCancellationScope(
            () -> {
              c.scope().cancel(reason);
              try {
                c.result().get();
              } catch (RuntimeException stopped) {
                // cancelled
              }
            })
        .run();
    active.remove(c);
  }

  /** Passes signals on to the running steps, and records pause changes in the catalog. */
  private void forwardSignals() {
    List<Signal> signals = new ArrayList<>(toForward);
    toForward.clear();
    for (Signal s : signals) {
      for (Child c : List.copyOf(active)) {
        if (c.result().isCompleted()) {
          continue; // its thread has not taken it off the list yet
        }
        try {
          switch (s) {
            case PAUSE -> c.stub().pause();
            case RESUME, APPROVE -> c.stub().resume();
            case RETRY -> c.stub().retryFailed();
          }
        } catch (CanceledFailure e) {
          throw e;
        } catch (RuntimeException e) {
          // the step finished while the signal was on its way: there is nothing left to signal
          log.info("{}: {} not passed to {}: {}", runId, s, c.id(), e.getMessage());
        }
      }
    }
    recordPause();
  }

  void recordPause() {
    if (paused != pauseRecorded) {
      pauseRecorded = paused;
      recording.recordRun(
          new RecordRunInput(
              runId,
              null,
              null,
              paused ? RunState.PAUSED : RunState.RUNNING,
              paused ? EventKind.RUN_PAUSED : EventKind.RUN_UNPAUSED,
              paused ? "paused by operator" : unpauseNote));
      RunSearchAttributes.upsertState(paused ? RunState.PAUSED.name() : RunState.RUNNING.name());
    }
  }

  /**
   * Holds the run for review: pauses it as the pause signal does (running steps dispatch no new
   * shard, no step starts), recorded as held with {@code why}, until resumed, approved or
   * cancelled.
   */
  void holdForReview(String why) {
    if (!paused) {
      paused = true;
      pauseRecorded = true;
      toForward.add(Signal.PAUSE);
      recording.recordRun(
          new RecordRunInput(
              runId, null, null, RunState.PAUSED, EventKind.RUN_HELD, "held for review: " + why));
      RunSearchAttributes.upsertState(RunState.PAUSED.name());
    }
    awaitUnpaused();
  }

  void awaitUnpaused() {
    recordPause();
    if (paused) {
      Workflow.await(() -> !paused);
      recordPause();
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

  private static String describe(ChildWorkflowFailure f) {
    Throwable c = f.getCause();
    while (c instanceof ActivityFailure || c instanceof ChildWorkflowFailure) {
      c = c.getCause();
    }
    if (c instanceof TemporalFailure t) {
      // the step's own words, not Temporal's "message='...', type=..." wrapping
      return t.getOriginalMessage();
    }
    return c == null ? f.getMessage() : c.getMessage();
  }

  /**
   * A step failure may pass on resume unless every failed unit failed on bad input or the plan is
   * impossible.
   */
  private static boolean isRetryable(ChildWorkflowFailure f) {
    if (f.getCause() instanceof ApplicationFailure af
        && StepFailureDetails.TYPE.equals(af.getType())) {
      return af.getDetails().get(StepFailureDetails.class).retryable();
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
}
