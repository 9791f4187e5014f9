package org.connectome.catalog;

import java.time.Instant;

/** One run as stored in the catalog. {@code runId} is {@code sample/run}. */
public record RunRecord(
    String runId,
    String sample,
    String run,
    String specJson,
    String specHash,
    String workflowId,
    RunState state,
    String error,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Instant finishedAt) {}
