package org.connectome.workflows.samplerun;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.connectome.activities.FailedUnits;
import org.connectome.activities.recording.RecordStageInput;
import org.connectome.activities.recording.RecordingActivities;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.StageState;
import org.connectome.pipeline.Pipeline;
import org.connectome.workflows.step.Failures;
import org.connectome.workflows.step.StepResult;

/**
 * The run's stages as the workflow reports them (state, units, resumes, failures), every change of
 * state recorded in the catalog. Several stages may be running at once: a stage begins with the
 * first of its steps and finishes with the last. Workflow code: no I/O but through the recording
 * activity.
 */
final class StageBook {
  private final RecordingActivities recording;
  private final String runId;
  private final String sample;
  private final List<StageOutcome> stages = new ArrayList<>();
  private final Map<String, Integer> stepsLeft = new HashMap<>();
  private final Map<String, List<StepResult>> results = new HashMap<>();
  private final Map<String, Integer> resumes = new HashMap<>();

  /** Stages begun and not finished, in the order they began. */
  private final Set<String> open = new LinkedHashSet<>();

  StageBook(
      RecordingActivities recording, String runId, String sample, List<Pipeline.StagePlan> plan) {
    this.recording = recording;
    this.runId = runId;
    this.sample = sample;
    for (Pipeline.StagePlan s : plan) {
      stages.add(StageOutcome.pending(s.stage()));
      stepsLeft.put(s.stage(), s.steps().size());
      results.put(s.stage(), new ArrayList<>());
      resumes.put(s.stage(), 0);
    }
  }

  List<StageOutcome> outcomes() {
    return List.copyOf(stages);
  }

  boolean begun(String stage) {
    return get(stage).state() != StageState.PENDING;
  }

  /** Stages begun and not finished. */
  List<String> open() {
    return List.copyOf(open);
  }

  int resumes(String stage) {
    return resumes.get(stage);
  }

  /** Counts one more automatic resume of the stage; returns the count. */
  int resumed(String stage) {
    resumes.merge(stage, 1, Integer::sum);
    return resumes.get(stage);
  }

  void begin(String stage, String message) {
    open.add(stage);
    set(stage, StageState.RUNNING, null);
    record(stage, StageState.RUNNING, EventKind.STAGE_STARTED, message, false);
  }

  /** A step of the stage succeeded; the last one finishes the stage. */
  void stepDone(String stage, StepResult result) {
    results.get(stage).add(result);
    refreshUnits(stage);
    stepsLeft.merge(stage, -1, Integer::sum);
    if (stepsLeft.get(stage) == 0) {
      finish(stage);
    }
  }

  private void finish(String stage) {
    List<StepResult> rs = results.get(stage);
    long failed = rs.stream().mapToLong(StepResult::unitsFailed).sum();
    StageState done = failed == 0 ? StageState.DONE : StageState.DONE_WITH_FAILURES;
    set(stage, done, null);
    refreshUnits(stage);
    open.remove(stage);
    record(
        stage,
        done,
        EventKind.STAGE_FINISHED,
        rs.stream().mapToLong(StepResult::unitsDone).sum()
            + " units done"
            + (failed > 0 ? ", " + failed + " failed within the failure budget" : ""),
        false);
  }

  void failed(String stage, String reason) {
    open.remove(stage);
    set(stage, StageState.FAILED, reason);
    record(stage, StageState.FAILED, EventKind.STAGE_FAILED, reason, false);
  }

  void cancelled(String stage, String reason) {
    open.remove(stage);
    set(stage, StageState.CANCELLED, reason);
    record(stage, StageState.CANCELLED, EventKind.STAGE_FAILED, "cancelled: " + reason, false);
  }

  void waitingToResume(String stage, String message) {
    set(stage, StageState.WAITING_TO_RESUME, message);
    record(stage, StageState.WAITING_TO_RESUME, EventKind.STAGE_FAILED, message, false);
  }

  void resuming(String stage, String message) {
    refreshUnits(stage);
    set(stage, StageState.RUNNING, null);
    record(stage, StageState.RUNNING, EventKind.STAGE_RESUMED, message, true);
  }

  /** A note on a running stage (a repair of its inputs), recorded as a resume. */
  void note(String stage, String message) {
    record(stage, StageState.RUNNING, EventKind.STAGE_RESUMED, message, true);
  }

  private void refreshUnits(String stage) {
    long total = 0;
    long done = 0;
    long failed = 0;
    List<FailedUnits> failures = new ArrayList<>();
    for (StepResult r : results.get(stage)) {
      total += r.unitsTotal();
      done += r.unitsDone();
      failed += r.unitsFailed();
      failures = Failures.add(failures, r.failures());
    }
    StageOutcome o = get(stage);
    stages.set(
        indexOf(stage),
        new StageOutcome(
            stage, o.state(), resumes.get(stage), total, done, failed, failures, o.error()));
  }

  private void set(String stage, StageState s, String error) {
    stages.set(indexOf(stage), get(stage).withState(s, error));
  }

  private StageOutcome get(String stage) {
    return stages.get(indexOf(stage));
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
}
