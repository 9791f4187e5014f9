package org.connectome.workflows.step;

import java.util.List;
import org.connectome.activities.FailedUnits;

/**
 * @param stage stage id
 * @param step step name
 * @param paramsHash the step's parameters hash
 * @param unitKind what a unit is
 * @param unitsTotal units in the step
 * @param unitsDone units with a valid marker
 * @param unitsFailed units without one after all retries (within the failure budget)
 * @param failures the failed units as ranges with their last errors (bounded list)
 * @param shards shards in the step
 * @param continuedAsNew times the step workflow continued as new
 */
public record StepResult(
    String stage,
    String step,
    String paramsHash,
    String unitKind,
    long unitsTotal,
    long unitsDone,
    long unitsFailed,
    List<FailedUnits> failures,
    long shards,
    int continuedAsNew) {}
