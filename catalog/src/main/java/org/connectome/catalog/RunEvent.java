package org.connectome.catalog;

import java.time.Instant;
import java.util.Objects;

/**
 * Something that happened to a run. {@code id} is assigned by the database (ignored on insert);
 * {@code at} defaults to the catalog clock when null; {@code stage}, {@code step} and {@code
 * message} may be null.
 */
public record RunEvent(
    long id, String runId, String stage, String step, EventKind kind, String message, Instant at) {
  public RunEvent {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(kind, "kind");
  }
}
