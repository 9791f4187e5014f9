package org.connectome.activities.shard;

import java.util.List;
import org.connectome.activities.FailedUnits;

/**
 * @param shard shard index
 * @param unitsTotal units in the shard
 * @param unitsDoneBefore units with a valid marker when the shard started
 * @param unitsDone units with a valid marker when it ended
 * @param unitsFailed units that failed for good
 * @param failures the failed units as ranges with their last errors
 * @param tasksRun tasks started
 * @param taskAttempts task attempts made
 */
public record RunShardOutput(
    long shard,
    long unitsTotal,
    long unitsDoneBefore,
    long unitsDone,
    long unitsFailed,
    List<FailedUnits> failures,
    long tasksRun,
    long taskAttempts) {
  public RunShardOutput {
    failures = failures == null ? List.of() : List.copyOf(failures);
  }
}
