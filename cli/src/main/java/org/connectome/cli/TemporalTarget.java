package org.connectome.cli;

import java.nio.file.Path;
import org.connectome.temporal.ClusterConnection;

/**
 * Which Temporal a command works with. The one branch point of the command line: every command then
 * controls runs the same way (signals, queries and visibility through a client), whichever Temporal
 * it is.
 */
sealed interface TemporalTarget {
  String namespace();

  /**
   * Whether {@code run} and {@code resume} host the workers of their run in their own process (a
   * workstation), rather than leaving the work to workers of a cluster.
   */
  boolean hostsWorkers();

  /**
   * The local server of {@code $CX_HOME}: real, durable (SQLite), loopback only.
   *
   * @param dir its folder ({@code $CX_HOME/temporal})
   */
  record Local(Path dir, String namespace) implements TemporalTarget {
    @Override
    public boolean hostsWorkers() {
      return true;
    }
  }

  /** Temporal's Java test server in this process: nothing survives the process. */
  record InMemory(String namespace) implements TemporalTarget {
    @Override
    public boolean hostsWorkers() {
      return true;
    }
  }

  /** A Temporal cluster; its workers run elsewhere ({@code connectome worker}). */
  record Cluster(ClusterConnection connection) implements TemporalTarget {
    @Override
    public String namespace() {
      return connection.namespace();
    }

    @Override
    public boolean hostsWorkers() {
      return false;
    }
  }
}
