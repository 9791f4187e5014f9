package org.connectome.spec;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.Map;

/**
 * One stage of the chain, as configured for this run.
 *
 * @param stage which stage: ingest, stitch, align, segment, synapses, compress or mesh
 * @param implementation what runs the stage's units: {@code synthetic} (built-in, for tests and
 *     benchmarks), {@code reference} (the implementation that ships) or {@code container} (a
 *     facility's own image and command, see {@link #container()})
 * @param params the stage's parameters; they enter the parameters hash of every step of the stage
 * @param steps per-step overrides, keyed by step name (for example {@code inference})
 * @param container image and command template for {@code implementation: container}
 * @param kubernetes node selector, tolerations and priority class of the stage's pods on Kubernetes
 * @param unitsPerTask see {@link StageSettings}
 * @param tasksPerShard see {@link StageSettings}
 * @param parallelism see {@link StageSettings}
 * @param shardsInFlight see {@link StageSettings}
 * @param retry see {@link StageSettings}
 * @param failureBudget see {@link StageSettings}
 * @param resources see {@link StageSettings}
 * @param timeout see {@link StageSettings}
 * @param taskQueue see {@link StageSettings}
 */
public record StageSpec(
    String stage,
    String implementation,
    Map<String, Object> params,
    Map<String, StepSpec> steps,
    ContainerSpec container,
    KubernetesStageSpec kubernetes,
    Integer unitsPerTask,
    Integer tasksPerShard,
    Integer parallelism,
    Integer shardsInFlight,
    RetrySpec retry,
    FailureBudget failureBudget,
    Resources resources,
    @JsonSerialize(using = Durations.Serializer.class)
        @JsonDeserialize(using = Durations.Deserializer.class)
        Duration timeout,
    String taskQueue) {

  public StageSpec {
    params = params == null ? Map.of() : Map.copyOf(params);
    steps = steps == null ? Map.of() : Map.copyOf(steps);
  }
}
