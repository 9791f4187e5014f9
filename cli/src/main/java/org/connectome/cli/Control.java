package org.connectome.cli;

import java.util.Optional;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunEvent;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunState;

/** The shared path of {@code cancel}, {@code pause} and {@code retry-failed}: one signal. */
final class Control {
  private Control() {}

  static int send(GlobalOptions global, String runId, ControlAction action, String reason) {
    try (Platform p = Platform.open(global)) {
      Optional<RunRecord> record = RunRef.find(p.catalog, runId);
      if (record.isEmpty()) {
        return ExitCodes.NOT_FOUND;
      }
      if (p.target instanceof TemporalTarget.InMemory) {
        System.err.println(
            "an in-memory Temporal lives inside the process that runs the run: stop it there"
                + " (Ctrl-C); this process cannot reach it");
        return ExitCodes.USAGE;
      }
      RunControl control = new RunControl(p.connect(System.out));
      if (control.isRunning(runId)) {
        control.send(runId, action, reason);
        System.out.println("sent " + action.verb + " to " + runId);
        return ExitCodes.OK;
      }
      if (action == ControlAction.CANCEL && !record.get().state().isTerminal()) {
        // the catalog still says it runs but Temporal has no running workflow (its history is
        // gone):
        // record the end so status and dashboards stop waiting for it
        p.catalog.runs().updateState(runId, RunState.CANCELLED, null);
        p.catalog
            .events()
            .record(
                new RunEvent(
                    0,
                    runId,
                    null,
                    null,
                    EventKind.RUN_CANCELLED,
                    reason + " (Temporal had no running workflow of it)",
                    null));
        System.out.println(runId + " was not running on Temporal; marked cancelled");
        return ExitCodes.OK;
      }
      System.out.println(
          runId
              + " is not running (state "
              + record.get().state()
              + "); nothing to "
              + action.verb);
      return ExitCodes.OK;
    }
  }
}
