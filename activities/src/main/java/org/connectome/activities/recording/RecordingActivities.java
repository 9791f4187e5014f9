package org.connectome.activities.recording;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Writes the run's state transitions and events to the catalog, which status and dashboards read.
 */
@ActivityInterface
public interface RecordingActivities {
  /** Records the run's state and an event; registers the run when the input carries its spec. */
  @ActivityMethod
  Recorded recordRun(RecordRunInput input);

  /** Records a stage's state and an event. */
  @ActivityMethod
  Recorded recordStage(RecordStageInput input);

  /** Records a step's state and an event. */
  @ActivityMethod
  Recorded recordStep(RecordStepInput input);
}
