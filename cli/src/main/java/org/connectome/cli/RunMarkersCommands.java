package org.connectome.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunState;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;

/** What {@code verify} and {@code redo} share: the run they act on, and relaunching it. */
final class RunMarkersCommands {
  private RunMarkersCommands() {}

  /** The stored spec of a run, or empty after printing why there is none. */
  static Optional<RunSpec> spec(Platform p, String runId) {
    return RunRef.find(p.catalog, runId).map(r -> RunSpecLoader.fromJson(r.specJson()));
  }

  /**
   * Whether the run's markers may change now: not while it runs (its tasks read and write them);
   * prints why not.
   */
  static boolean idle(Platform p, String runId, String what) {
    RunState s = p.catalog.runs().find(runId).map(RunRecord::state).orElse(null);
    if (s == RunState.RUNNING || s == RunState.PAUSED) {
      System.err.println(
          runId
              + " is "
              + s.name().toLowerCase()
              + ": "
              + what
              + " once it has ended (or cancel it first: connectome cancel "
              + runId
              + ")");
      return false;
    }
    return true;
  }

  /** Relaunches the run from its markers as {@code connectome resume RUN} does. */
  static int resume(GlobalOptions global, String runId) {
    List<String> args = new ArrayList<>(List.of("resume", runId));
    add(args, "--temporal", global.temporal);
    add(args, "--namespace", global.namespace);
    add(args, "--tls-ca", global.tlsCa == null ? null : global.tlsCa.toString());
    add(args, "--tls-cert", global.tlsCert == null ? null : global.tlsCert.toString());
    add(args, "--tls-key", global.tlsKey == null ? null : global.tlsKey.toString());
    add(args, "--tls-server-name", global.tlsServerName);
    add(args, "--api-key", global.apiKey);
    if (global.tls) {
      args.add("--tls");
    }
    add(args, "--catalog", global.catalogUrl);
    add(args, "--catalog-user", global.catalogUser);
    add(args, "--catalog-password", global.catalogPassword);
    return Main.execute(args.toArray(String[]::new));
  }

  private static void add(List<String> args, String option, String value) {
    if (value != null && !value.isBlank()) {
      args.add(option);
      args.add(value);
    }
  }
}
