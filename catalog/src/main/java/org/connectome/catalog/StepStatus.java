package org.connectome.catalog;

import java.time.Instant;

/** Summary of one step: unit counts are sums over its shard rows. */
public record StepStatus(
    String step,
    int ordinal,
    StepState state,
    long unitsTotal,
    long unitsDone,
    long unitsFailed,
    long unitsRunning,
    long unitsDoneAtStart,
    long tasksTotal,
    long shardsTotal,
    String paramsHash,
    Instant startedAt,
    Instant finishedAt,
    Instant updatedAt,
    String error) {

  /** Units neither done, failed nor running. */
  public long unitsPending() {
    return Math.max(0, unitsTotal - unitsDone - unitsFailed - unitsRunning);
  }
}
