package org.connectome.spec;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;

/**
 * How a failed stage is resumed on its own: after a backoff, dispatching only units without a valid
 * marker.
 *
 * @param maxResumes resumes per stage before the run fails
 * @param backoff wait before the first resume
 * @param backoffMultiplier growth of the wait per resume
 * @param maxBackoff longest wait
 */
public record AutoResumeSpec(
    Integer maxResumes,
    @JsonSerialize(using = Durations.Serializer.class)
        @JsonDeserialize(using = Durations.Deserializer.class)
        Duration backoff,
    Double backoffMultiplier,
    @JsonSerialize(using = Durations.Serializer.class)
        @JsonDeserialize(using = Durations.Deserializer.class)
        Duration maxBackoff) {}
