package org.connectome.markers;

import java.time.Instant;

/**
 * The record that a unit is finished, written beside the unit's outputs after them, with the
 * provenance that says what produced them.
 *
 * @param stage stage id
 * @param step step name
 * @param unit unit index
 * @param paramsHash hash of the step's parameters (and everything upstream); a marker is valid only
 *     for it
 * @param codeVersion version of the code or image that ran the unit
 * @param attempt attempt of the task that ran the unit, from 1
 * @param task task index
 * @param host host (or pod) that ran the unit
 * @param startedAt when the unit started
 * @param finishedAt when its outputs were complete
 */
public record CompletionMarker(
    String stage,
    String step,
    long unit,
    String paramsHash,
    String codeVersion,
    int attempt,
    long task,
    String host,
    Instant startedAt,
    Instant finishedAt) {}
