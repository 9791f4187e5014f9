package org.connectome.activities.shard;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Runs one shard of a step through the configured executor. */
@ActivityInterface
public interface ShardActivities {
  /**
   * Runs the shard's tasks that still have units without a valid marker, heartbeating progress, and
   * returns the shard's counts and the units that failed for good. A retried attempt (after a
   * worker died) checks the markers again, so finished units never run twice.
   */
  @ActivityMethod
  RunShardOutput runShard(RunShardInput input);
}
