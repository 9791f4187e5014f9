package org.connectome.spec;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;

/**
 * Settings that every stage inherits ({@code defaults:} in the spec). A stage or step that sets a
 * field overrides it.
 *
 * @param unitsPerTask units one task (one process or pod) runs
 * @param tasksPerShard tasks one shard (one Indexed Job or one local batch) runs
 * @param parallelism tasks of one shard running at once
 * @param shardsInFlight shards of one step dispatched at once
 * @param retry how failed tasks are retried
 * @param failureBudget how many units may fail for good before the step fails
 * @param resources what one task needs
 * @param timeout how long one shard may take
 * @param taskQueue Temporal task queue whose workers run the shards
 */
public record StageSettings(
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
    String taskQueue) {}
