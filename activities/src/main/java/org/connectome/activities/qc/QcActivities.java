package org.connectome.activities.qc;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Checks a finished stage's quality-control figures against the run's gates. */
@ActivityInterface
public interface QcActivities {
  /**
   * The gates of the stage its worst unit misses, each in one line; a gate whose figure no unit
   * published is missed too (a gate that cannot be checked must not pass silently).
   */
  @ActivityMethod
  QcCheckResult checkGates(QcCheckInput input);
}
