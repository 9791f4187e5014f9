package org.connectome.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalDouble;
import org.connectome.catalog.StepStatus;

/** Rate and time-to-finish of a running step, from its catalog counts. */
public final class StageEta {
  private StageEta() {}

  /** Units per second done by this execution of the step, since it started. */
  public static OptionalDouble rate(StepStatus step, Instant now) {
    if (step.startedAt() == null) {
      return OptionalDouble.empty();
    }
    double seconds = Duration.between(step.startedAt(), now).toMillis() / 1000.0;
    long done = step.unitsDone() - step.unitsDoneAtStart();
    if (seconds <= 0.5 || done <= 0) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(done / seconds);
  }

  /** Seconds until the step's remaining units are done at the current rate. */
  public static OptionalDouble etaSeconds(StepStatus step, Instant now) {
    OptionalDouble rate = rate(step, now);
    long remaining = step.unitsTotal() - step.unitsDone() - step.unitsFailed();
    if (remaining <= 0) {
      return OptionalDouble.of(0);
    }
    return rate.isPresent()
        ? OptionalDouble.of(remaining / rate.getAsDouble())
        : OptionalDouble.empty();
  }
}
