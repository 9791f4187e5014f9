package org.connectome.catalog;

import java.util.Objects;

/**
 * Absolute progress of one shard of a step (not a delta: reporting the same values twice changes
 * nothing).
 */
public record ShardProgress(
    String runId,
    String stage,
    String step,
    long shard,
    long unitsTotal,
    long unitsDone,
    long unitsFailed,
    long unitsRunning,
    ShardState state) {
  public ShardProgress {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(state, "state");
    if (shard < 0 || unitsTotal < 0 || unitsDone < 0 || unitsFailed < 0 || unitsRunning < 0) {
      throw new IllegalArgumentException(
          "negative shard index or unit count in "
              + runId
              + " "
              + stage
              + "/"
              + step
              + " shard "
              + shard);
    }
  }
}
