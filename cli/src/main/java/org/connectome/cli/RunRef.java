package org.connectome.cli;

import java.util.Optional;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.RunRecord;

/** A run named on the command line ({@code sample/run}), found in the catalog. */
final class RunRef {
  private RunRef() {}

  /** The run's catalog record, or empty after printing why. */
  static Optional<RunRecord> find(Catalog catalog, String runId) {
    if (!runId.contains("/")) {
      System.err.println(
          "'" + runId + "' is not a run: name it as SAMPLE/RUN (see 'connectome status')");
      return Optional.empty();
    }
    Optional<RunRecord> r = catalog.runs().find(runId);
    if (r.isEmpty()) {
      System.err.println("no run " + runId + " in the catalog (see 'connectome status')");
    }
    return r;
  }
}
