package org.connectome.catalog;

import java.time.Instant;
import java.util.List;

/** Summary of one stage of a run with its steps in order. */
public record StageStatus(
    String stage,
    int ordinal,
    StageState state,
    int resumes,
    Instant startedAt,
    Instant finishedAt,
    String error,
    List<StepStatus> steps) {
  public StageStatus {
    steps = steps == null ? List.of() : List.copyOf(steps);
  }
}
