package org.connectome.bench.naive;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** One activity per unit. */
@ActivityInterface
public interface NaiveActivities {
  record Unit(String stepKey, String paramsHash, long unit) {}

  @ActivityMethod
  void runUnit(Unit unit);
}
