package org.connectome.executor;

import java.nio.file.Path;
import java.util.List;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.ExecutorSpec;
import org.connectome.units.UnitRange;

/**
 * The tasks of one shard to run.
 *
 * @param step the step's resolved configuration (retry policy, parallelism, resources, image)
 * @param shard shard index within the step
 * @param tasks the task indices to run (a shard's tasks that still have units to do)
 * @param stepDir the step's folder, where tasks find {@code step.json}
 * @param attempt execution attempt of this shard (the activity attempt), from 1; part of Kubernetes
 *     Job names
 * @param runId {@code sample/run}
 * @param executor the run's executor settings, or null for the executor's own defaults
 */
public record ShardRequest(
    StepConfig step,
    long shard,
    List<UnitRange> tasks,
    Path stepDir,
    int attempt,
    String runId,
    ExecutorSpec executor) {
  public ShardRequest {
    tasks = List.copyOf(tasks);
  }
}
