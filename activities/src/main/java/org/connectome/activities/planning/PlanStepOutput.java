package org.connectome.activities.planning;

import java.util.List;
import org.connectome.units.UnitRange;

/**
 * @param unitKind what a unit is (section, block, ...)
 * @param unitCount units in the step
 * @param taskCount tasks in the step
 * @param shardCount shards in the step
 * @param unitsDone units that already have a valid marker
 * @param pendingShards shards with units left to do, as ranges (possibly coarsened: a listed shard
 *     may turn out to be done, never the other way round)
 * @param description the plan in one line
 */
public record PlanStepOutput(
    String unitKind,
    long unitCount,
    long taskCount,
    long shardCount,
    long unitsDone,
    List<UnitRange> pendingShards,
    String description) {}
