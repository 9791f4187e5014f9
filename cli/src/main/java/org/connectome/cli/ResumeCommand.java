package org.connectome.cli;

import io.temporal.client.WorkflowClient;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.connectome.catalog.ControlAction;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunRecord;
import org.connectome.pipeline.Pipeline;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.client.RunLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code resume RUN}: continue a paused, failed, cancelled or interrupted run. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = {
      "Continues a run. A paused run is unpaused. A run that is not running (it failed, was "
          + "cancelled, or its process or the embedded Temporal server went away) is relaunched from the spec "
          + "stored in the catalog and dispatches only units without a valid completion marker.",
      "",
      "Fix the cause of a failure first; a changed spec is a new launch with 'connectome run'."
    })
final class ResumeCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "The run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Option(names = "--detach", description = "With --temporal: relaunch and return without waiting.")
  boolean detach;

  @Option(names = "--no-progress", description = "Do not show progress, only the outcome.")
  boolean noProgress;

  @Option(
      names = "--metrics-port",
      defaultValue = "9464",
      description = "Embedded default: /metrics port (-1: off).")
  int metricsPort;

  @Option(
      names = "--max-concurrent-tasks",
      description = "Embedded default: tasks running at once.")
  Integer maxConcurrentTasks;

  @Override
  public Integer call() {
    try (Platform p = Platform.open(global)) {
      Optional<RunRecord> record = RunRef.find(p.catalog, runId);
      if (record.isEmpty()) {
        return ExitCodes.NOT_FOUND;
      }
      RunSpec spec = SpecFiles.fromCatalog(record.get().specJson());
      int relaunch =
          (int) (long) p.catalog.eventCounts(runId).getOrDefault(EventKind.RUN_RESUMED, 0L) + 1;
      RunDriver driver = new RunDriver(p.catalog, System.out, System.console() != null, noProgress);
      if (global.embedded()) {
        if (RunLease.isDriven(p.catalog, runId)) {
          p.catalog.requestControl(
              runId, ControlAction.RESUME, "resume requested from the command line");
          System.out.println(
              runId + " is running in another process; asked it to resume (unpause)");
          return ExitCodes.OK;
        }
        RunLease.Result acquired = RunLease.acquire(p.catalog, runId);
        if (acquired.lease() == null) {
          System.err.println(runId + " is driven by " + acquired.holder());
          return ExitCodes.UNAVAILABLE;
        }
        System.out.println("relaunching " + runId + " from its completion markers");
        try (RunLease lease = acquired.lease()) {
          return RunCommand.drive(
              p, global, spec, driver, relaunch, lease, 0, metricsPort, maxConcurrentTasks);
        }
      }
      WorkflowClient client = p.connect(global, 0, System.out);
      RunLauncher launcher = new RunLauncher(client);
      if (RunRef.isRunning(client, runId)) {
        launcher.workflow(runId).resume();
        System.out.println(runId + " is running; sent resume (unpause)");
        return ExitCodes.OK;
      }
      if (detach) {
        launcher.launch(spec, relaunch, null);
        System.out.println("relaunched " + runId + " from its completion markers");
        return ExitCodes.OK;
      }
      return driver.launchAndFollow(
          client, Pipeline.DEFAULT_TASK_QUEUE, spec, relaunch, null, null);
    }
  }
}
