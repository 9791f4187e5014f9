package org.connectome.workflows.step;

import java.util.List;
import org.connectome.activities.FailedUnits;

/**
 * A step's progress as its workflow knows it (between shard completions).
 *
 * @param stage stage id
 * @param step step name
 * @param unitsTotal units in the step (0 until planned)
 * @param unitsDone units done
 * @param shardsTotal shards in the step
 * @param shardsFinished shards finished
 * @param shardsInFlight shards running now
 * @param shardsPending shards not yet dispatched
 * @param paused whether dispatching is paused
 * @param continuedAsNew executions so far minus one
 * @param failures units failed for good so far
 */
public record StepProgress(
    String stage,
    String step,
    long unitsTotal,
    long unitsDone,
    long shardsTotal,
    long shardsFinished,
    int shardsInFlight,
    long shardsPending,
    boolean paused,
    int continuedAsNew,
    List<FailedUnits> failures) {}
