package org.connectome.catalog;

import java.time.Instant;

/** A request (from {@code cancel}, {@code pause}, ...) to the process driving a run. */
public record ControlRequest(
    long id, String runId, ControlAction action, String reason, Instant requestedAt) {}
