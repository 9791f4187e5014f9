package org.connectome.catalog;

import java.time.Instant;

/** Which process drives a run (owner like {@code 12345@host}) and until when. */
public record Lease(String owner, Instant expiresAt) {
  public boolean isExpired(Instant now) {
    return !expiresAt.isAfter(now);
  }
}
