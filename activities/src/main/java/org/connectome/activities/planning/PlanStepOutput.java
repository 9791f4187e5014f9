package org.connectome.activities.planning;

import java.util.List;
import org.connectome.units.Grouping;
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
 * @param rounds units of each round, in order, when the step runs in rounds (each starting when the
 *     one before is done: {@link Grouping}); null for a step whose shards may all run at once
 */
public record PlanStepOutput(
    String unitKind,
    long unitCount,
    long taskCount,
    long shardCount,
    long unitsDone,
    List<UnitRange> pendingShards,
    String description,
    List<Long> rounds) {
  /** A step whose shards may all run at once. */
  public PlanStepOutput(
      String unitKind,
      long unitCount,
      long taskCount,
      long shardCount,
      long unitsDone,
      List<UnitRange> pendingShards,
      String description) {
    this(unitKind, unitCount, taskCount, shardCount, unitsDone, pendingShards, description, null);
  }

  /** How the step's units are grouped into tasks and shards (and rounds). */
  public Grouping grouping(int unitsPerTask, int tasksPerShard) {
    return new Grouping(unitCount, unitsPerTask, tasksPerShard, rounds);
  }
}
