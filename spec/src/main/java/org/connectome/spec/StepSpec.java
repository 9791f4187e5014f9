package org.connectome.spec;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.Map;

/**
 * Overrides for one step of a stage ({@code stages[i].steps.<name>}). Parameters are merged over the stage's
 * parameters; the other fields replace the stage's.
 *
 * @param params         the step's parameters, merged over the stage's
 * @param unitsPerTask   see {@link StageSettings}
 * @param tasksPerShard  see {@link StageSettings}
 * @param parallelism    see {@link StageSettings}
 * @param shardsInFlight see {@link StageSettings}
 * @param retry          see {@link StageSettings}
 * @param failureBudget  see {@link StageSettings}
 * @param resources      see {@link StageSettings}
 * @param timeout        see {@link StageSettings}
 * @param taskQueue      see {@link StageSettings}
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
    @JsonSerialize(using = Durations.Serializer.class) @JsonDeserialize(using = Durations.Deserializer.class)
    Duration timeout,
    String taskQueue) {

  public StepSpec {
    params = params == null ? Map.of() : Map.copyOf(params);
  }
}
