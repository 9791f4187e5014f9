package org.connectome.spec;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.Map;

/**
 * Overrides for one step of a stage ({@code stages[i].steps.<name>}). Parameters are merged over
 * the stage's parameters; the other fields replace the stage's. A step may run another
 * implementation than its stage (a facility runs google/ffn's container for {@code
 * segment.inference} and the reference for the other segment steps): {@code implementation:
 * container} with the step's {@code container}, or the stage's when the step sets none.
 *
 * @param params the step's parameters, merged over the stage's
 * @param unitsPerTask see {@link StageSettings}
 * @param tasksPerShard see {@link StageSettings}
 * @param parallelism see {@link StageSettings}
 * @param shardsInFlight see {@link StageSettings}
 * @param retry see {@link StageSettings}
 * @param failureBudget see {@link StageSettings}
 * @param resources see {@link StageSettings}
 * @param timeout see {@link StageSettings}
 * @param taskQueue see {@link StageSettings}
 * @param implementation what runs this step's units, replacing the stage's: {@code synthetic},
 *     {@code reference} or {@code container}; null for the stage's
 * @param container image and command template of this step when its implementation is {@code
 *     container}; null for the stage's
 */
public record StepSpec(
    Map<String, Object> params,
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
    String taskQueue,
    String implementation,
    ContainerSpec container) {

  public StepSpec {
    params = params == null ? Map.of() : Map.copyOf(params);
  }

  /** Overrides that keep the stage's implementation and container. */
  public StepSpec(
      Map<String, Object> params,
      Integer unitsPerTask,
      Integer tasksPerShard,
      Integer parallelism,
      Integer shardsInFlight,
      RetrySpec retry,
      FailureBudget failureBudget,
      Resources resources,
      Duration timeout,
      String taskQueue) {
    this(
        params,
        unitsPerTask,
        tasksPerShard,
        parallelism,
        shardsInFlight,
        retry,
        failureBudget,
        resources,
        timeout,
        taskQueue,
        null,
        null);
  }
}
