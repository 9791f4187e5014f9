package org.connectome.cli;

import java.util.Optional;
import java.util.concurrent.Callable;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunRecord;
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
      "Continues a run. A running run is unpaused and, on the local default, this process becomes its"
          + " worker (after its last worker died) and follows it to its end. A run that is not"
          + " running (it failed or was cancelled, or Temporal has no history of it any more) is"
          + " relaunched from the spec stored in the catalog and dispatches only units without a"
          + " valid completion marker.",
      "",
      "Fix the cause of a failure first; a changed spec is a new launch with 'connectome run'."
    })
final class ResumeCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "The run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Option(
      names = "--detach",
      description = "Unpause or relaunch, and return without following the run.")
  boolean detach;

  @Option(names = "--no-progress", description = "Do not show progress, only the outcome.")
  boolean noProgress;

  @Option(
      names = "--metrics-port",
      defaultValue = "9464",
      description = "/metrics port while this process works on the run (-1: off).")
  int metricsPort;

  @Option(names = "--max-concurrent-tasks", description = "Tasks running at once on this machine.")
  Integer maxConcurrentTasks;

  @Override
  public Integer call() {
    try (Platform p = Platform.open(global)) {
      Optional<RunRecord> record = RunRef.find(p.catalog, runId);
      if (record.isEmpty()) {
        return ExitCodes.NOT_FOUND;
      }
      RunSpec spec = SpecFiles.fromCatalog(record.get().specJson());
      RunControl control = new RunControl(p.connect(System.out));
      int relaunch;
      if (control.isRunning(runId)) {
        control.send(runId, ControlAction.RESUME, null);
        System.out.println(runId + " is running; sent resume (unpause)");
        relaunch = 0; // attaches: the launcher finds it running
      } else {
        relaunch =
            (int)
                    (long)
                        p.catalog
                            .events()
                            .countByKind(runId)
                            .getOrDefault(EventKind.RUN_RESUMED, 0L)
                + 1;
        System.out.println("relaunching " + runId + " from its completion markers");
        if (detach) {
          new RunLauncher(p.client()).launch(spec, relaunch, null);
        }
      }
      if (detach) {
        return ExitCodes.OK;
      }
      if (relaunch == 0 && !p.target.hostsWorkers()) {
        return ExitCodes.OK; // the cluster's workers go on with it
      }
      return RunCommand.drive(p, spec, relaunch, metricsPort, maxConcurrentTasks, noProgress);
    }
  }
}
