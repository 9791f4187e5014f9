package org.connectome.workflows.client;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * A worker's identity as Temporal records it ({@code pid@host}, the SDK's own form), and what it
 * says about the worker's liveness when the worker ran on this host: a process that is gone (even
 * by SIGKILL) is known dead at once, without waiting out a heartbeat timeout.
 */
public final class WorkerIdentity {
  private WorkerIdentity() {}

  /** This process's identity. */
  public static String self() {
    return ProcessHandle.current().pid() + "@" + host();
  }

  static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /** The pid of an identity of this host, or empty for another host's (or a foreign form). */
  static Optional<Long> localPid(String identity) {
    int at = identity == null ? -1 : identity.indexOf('@');
    if (at <= 0 || !identity.substring(at + 1).equals(host())) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(identity.substring(0, at)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code identity} names a process of this host that no longer exists. */
  public static boolean isDeadLocal(String identity) {
    return localPid(identity)
        .map(pid -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true))
        .orElse(false);
  }
}
