package org.connectome.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.Lease;

/**
 * Which process drives a run on the embedded default. The embedded Temporal server lives inside
 * that process, so other processes reach the run through the catalog (control requests) and must
 * not start it a second time. A lease whose owner process is gone (it died, even by SIGKILL) is
 * taken over at once; one held by a process on another host waits out its expiry.
 */
final class RunLease implements AutoCloseable {
  static final Duration TTL = Duration.ofSeconds(30);
  private static final Duration RENEW_EVERY = Duration.ofSeconds(10);

  private final Catalog catalog;
  private final String runId;
  private final String owner;
  private Instant renewed;

  private RunLease(Catalog catalog, String runId, String owner) {
    this.catalog = catalog;
    this.runId = runId;
    this.owner = owner;
    this.renewed = Instant.now();
  }

  static String self() {
    String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
    return ProcessHandle.current().pid() + "@" + host;
  }

  /** Takes the run's lease, or returns the live holder's name. */
  static Result acquire(Catalog catalog, String runId) {
    String me = self();
    if (catalog.acquireLease(runId, me, TTL)) {
      return new Result(new RunLease(catalog, runId, me), null);
    }
    Optional<Lease> held = catalog.lease(runId);
    if (held.isPresent() && isDeadLocalProcess(held.get().owner())) {
      catalog.releaseLease(runId, held.get().owner());
      if (catalog.acquireLease(runId, me, TTL)) {
        return new Result(new RunLease(catalog, runId, me), null);
      }
    }
    return new Result(null, catalog.lease(runId).map(Lease::owner).orElse("another process"));
  }

  /**
   * Whether {@code owner} ({@code pid@host}) names a process of this host that no longer exists.
   */
  static boolean isDeadLocalProcess(String owner) {
    int at = owner.indexOf('@');
    if (at < 0
        || !owner.substring(at + 1).equals(System.getenv().getOrDefault("HOSTNAME", "localhost"))) {
      return false;
    }
    try {
      return ProcessHandle.of(Long.parseLong(owner.substring(0, at)))
          .map(p -> !p.isAlive())
          .orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Whether a live process drives the run. */
  static boolean isDriven(Catalog catalog, String runId) {
    Optional<Lease> l = catalog.lease(runId);
    return l.isPresent()
        && !l.get().isExpired(Instant.now())
        && !isDeadLocalProcess(l.get().owner());
  }

  void renewIfDue() {
    if (Duration.between(renewed, Instant.now()).compareTo(RENEW_EVERY) >= 0) {
      catalog.renewLease(runId, owner, TTL);
      renewed = Instant.now();
    }
  }

  @Override
  public void close() {
    try {
      catalog.releaseLease(runId, owner);
    } catch (RuntimeException e) {
      // the lease expires on its own
    }
  }

  record Result(RunLease lease, String holder) {}
}
