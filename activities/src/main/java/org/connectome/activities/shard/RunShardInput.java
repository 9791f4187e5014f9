package org.connectome.activities.shard;

import org.connectome.activities.RunLocation;
import org.connectome.pipeline.StepConfig;

/**
 * @param run   where the run's data is
 * @param step  the step
 * @param shard shard index
 */
public record RunShardInput(RunLocation run, StepConfig step, long shard) {}
