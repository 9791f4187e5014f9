package org.connectome.workflows.step;

import java.util.List;
import org.connectome.activities.FailedUnits;
import org.connectome.activities.planning.PlanStepOutput;
import org.connectome.units.UnitRange;

/**
 * What a step workflow hands to its next execution when it continues as new: counts and ranges,
 * bounded in size whatever the step's size.
 *
 * @param plan the step's plan
 * @param pendingShards shards not yet dispatched
 * @param unitsDone units with a valid marker as far as this workflow knows
 * @param shardsFinished shards finished
 * @param failures units failed for good so far (bounded list)
 * @param continuedAsNew executions so far minus one
 * @param stream the streaming state of a streaming step, else null
 */
public record StepCarry(
    PlanStepOutput plan,
    List<UnitRange> pendingShards,
    long unitsDone,
    long shardsFinished,
    List<FailedUnits> failures,
    int continuedAsNew,
    StreamCarry stream) {}
