package org.connectome.pipeline;

import java.time.Duration;
import java.util.Map;
import org.connectome.spec.ContainerSpec;
import org.connectome.spec.KubernetesStageSpec;
import org.connectome.spec.Resources;

/**
 * Everything about one step of one run, with inheritance resolved (step over stage over spec
 * defaults over built-in defaults). This is what the workflows carry and what the activities and
 * tasks act on.
 *
 * @param runId {@code sample/run}
 * @param sample sample id
 * @param stage stage id
 * @param step step name within the stage
 * @param ordinal position of the step in the run, from 0
 * @param implementation synthetic, reference or container
 * @param params stage parameters merged with the step's
 * @param container image and command for container steps, or null
 * @param kubernetes node selector, tolerations and priority class of the stage's pods, or null
 * @param unitsPerTask units per task
 * @param tasksPerShard tasks per shard
 * @param parallelism tasks of a shard running at once
 * @param shardsInFlight shards dispatched at once
 * @param retry task retry policy
 * @param maxFailedUnits failure budget: units allowed to fail for good
 * @param maxFailedFraction failure budget: share of units allowed to fail for good
 * @param resources what one task needs
 * @param timeout longest time one shard may take
 * @param taskQueue Temporal task queue of the workers that run shards
 * @param paramsHash hash of everything that determines this step's outputs, upstream steps included
 */
public record StepConfig(
    String runId,
    String sample,
    String stage,
    String step,
    int ordinal,
    String implementation,
    Map<String, Object> params,
    ContainerSpec container,
    KubernetesStageSpec kubernetes,
    int unitsPerTask,
    int tasksPerShard,
    int parallelism,
    int shardsInFlight,
    TaskRetry retry,
    long maxFailedUnits,
    double maxFailedFraction,
    Resources resources,
    Duration timeout,
    String taskQueue,
    String paramsHash) {

  public StepConfig {
    params = Map.copyOf(params);
  }

  /** {@code stage.step}, the step's name in logs and IDs. */
  public String qualifiedName() {
    return stage + "." + step;
  }

  /** Units that may fail for good in a step of {@code unitCount} units. */
  public long failureAllowance(long unitCount) {
    return Math.max(maxFailedUnits, (long) Math.floor(maxFailedFraction * unitCount));
  }
}
