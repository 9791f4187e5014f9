package org.connectome.activities.shard;

import org.connectome.activities.RunLocation;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.ExecutorSpec;

/**
 * @param run where the run's data is
 * @param step the step
 * @param shard shard index
 * @param executor the run's executor settings (namespace, image, volumes on Kubernetes), or null
 *     for the worker's own
 */
public record RunShardInput(RunLocation run, StepConfig step, long shard, ExecutorSpec executor) {}
