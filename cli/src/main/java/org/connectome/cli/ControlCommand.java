package org.connectome.cli;

import io.temporal.client.WorkflowClient;
import java.util.Optional;
import org.connectome.catalog.ControlAction;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunEvent;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunState;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunWorkflow;

/**
 * The shared path of {@code cancel}, {@code pause} and {@code retry-failed}: a signal to the run's
 * workflow on a cluster; on the embedded default, a control request in the catalog that the process
 * driving the run passes on.
 */
final class ControlCommand {
  private ControlCommand() {}

  static int send(GlobalOptions global, String runId, ControlAction action, String reason) {
    try (Platform p = Platform.open(global)) {
      Optional<RunRecord> record = RunRef.find(p.catalog, runId);
      if (record.isEmpty()) {
        return ExitCodes.NOT_FOUND;
      }
      if (global.embedded()) {
        if (RunLease.isDriven(p.catalog, runId)) {
          p.catalog.requestControl(runId, action, reason);
          System.out.println("asked the process driving " + runId + " to " + verb(action));
          return ExitCodes.OK;
        }
        if (action == ControlAction.CANCEL && !record.get().state().isTerminal()) {
          // nothing drives it (its process died): record the end so status and dashboards stop
          // waiting for it
          p.catalog.updateRunState(runId, RunState.CANCELLED, null);
          p.catalog.recordEvent(
              new RunEvent(
                  0,
                  runId,
                  null,
                  null,
                  EventKind.RUN_CANCELLED,
                  reason + " (no process was driving the run)",
                  null));
          System.out.println(runId + " was not running; marked cancelled");
          return ExitCodes.OK;
        }
        System.out.println(
            runId
                + " is not running (state "
                + record.get().state()
                + "); nothing to "
                + verb(action));
        return ExitCodes.OK;
      }
      WorkflowClient client = p.connect(global, 0, System.out);
      if (!RunRef.isRunning(client, runId)) {
        System.out.println(
            runId
                + " is not running (state "
                + record.get().state()
                + "); nothing to "
                + verb(action));
        return ExitCodes.OK;
      }
      SampleRunWorkflow wf = new RunLauncher(client).workflow(runId);
      switch (action) {
        case CANCEL -> wf.cancel(reason);
        case PAUSE -> wf.pause();
        case RESUME -> wf.resume();
        case RETRY_FAILED -> wf.retryFailed();
      }
      System.out.println("sent " + verb(action) + " to " + runId);
      return ExitCodes.OK;
    }
  }

  private static String verb(ControlAction a) {
    return switch (a) {
      case CANCEL -> "cancel";
      case PAUSE -> "pause";
      case RESUME -> "resume";
      case RETRY_FAILED -> "retry its failed units";
    };
  }
}
