package org.connectome.pipeline;

import org.connectome.units.Grouping;

/**
 * A step's unit space and its grouping into tasks and shards.
 *
 * @param units the unit space
 * @param grouping units per task and tasks per shard over {@code units.unitCount()}
 */
public record StepPlan(UnitSpace units, Grouping grouping) {
  public static StepPlan of(UnitSpace units, StepConfig config) {
    return new StepPlan(
        units,
        new Grouping(
            units.unitCount(), config.unitsPerTask(), config.tasksPerShard(), units.rounds()));
  }
}
