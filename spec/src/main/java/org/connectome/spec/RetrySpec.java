package org.connectome.spec;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.List;

/**
 * How a failed task is retried (per task, like a Job's {@code backoffLimitPerIndex}). A retried
 * task reruns only its units without a valid completion marker.
 *
 * @param maxAttempts attempts per task, the first included
 * @param initialBackoff wait before the second attempt
 * @param backoffMultiplier growth of the wait per attempt
 * @param maxBackoff longest wait
 * @param nonRetryableExitCodes task exit codes that fail the task at once (bad input, bad
 *     configuration)
 */
public record RetrySpec(
    Integer maxAttempts,
    @JsonSerialize(using = Durations.Serializer.class)
        @JsonDeserialize(using = Durations.Deserializer.class)
        Duration initialBackoff,
    Double backoffMultiplier,
    @JsonSerialize(using = Durations.Serializer.class)
        @JsonDeserialize(using = Durations.Deserializer.class)
        Duration maxBackoff,
    List<Integer> nonRetryableExitCodes) {}
