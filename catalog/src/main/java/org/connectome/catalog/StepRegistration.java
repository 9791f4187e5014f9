package org.connectome.catalog;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A step about to run: its totals and the starting progress of every shard (units already done
 * before).
 */
public record StepRegistration(
    String runId,
    String stage,
    String step,
    int ordinal,
    String paramsHash,
    long unitsTotal,
    long tasksTotal,
    long shardsTotal,
    List<ShardProgress> shards) {
  public StepRegistration {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(step, "step");
    shards = shards == null ? List.of() : List.copyOf(shards);
    Set<Long> seen = new HashSet<>();
    for (ShardProgress p : shards) {
      if (!seen.add(p.shard())) {
        throw new IllegalArgumentException(
            "shard " + p.shard() + " listed twice for step " + runId + " " + stage + "/" + step);
      }
      if (!p.runId().equals(runId) || !p.stage().equals(stage) || !p.step().equals(step)) {
        throw new IllegalArgumentException(
            "shard "
                + p.shard()
                + " of "
                + p.runId()
                + " "
                + p.stage()
                + "/"
                + p.step()
                + " does not belong to step "
                + runId
                + " "
                + stage
                + "/"
                + step);
      }
    }
  }
}
