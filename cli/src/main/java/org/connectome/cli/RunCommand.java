package org.connectome.cli;

import io.temporal.client.WorkflowClient;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.connectome.notify.WebhookNotifier;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.client.RunLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code run SPEC}: launch a sample run and follow it. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Launches the run a spec describes and, by default, waits for it, with a progress bar per "
          + "stage.",
      "",
      "Without --temporal this is the embedded default: Temporal's test server, a worker, the local executor "
          + "and the catalog all run in this process, and the run ends when the command does (Ctrl-C stops it; "
          + "'connectome resume' continues it from its completion markers).",
      "",
      "Launching the same run (same sample and run name) again never starts a second copy: a running run is "
          + "attached to, a finished one is checked against its markers and ends at once."
    })
final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "SPEC", description = "The run specification (YAML).")
  Path specFile;

  @Mixin GlobalOptions global;

  @Option(
      names = "--detach",
      description = "With --temporal: start the run and return without waiting.")
  boolean detach;

  @Option(names = "--no-progress", description = "Do not show progress, only the outcome.")
  boolean noProgress;

  @Option(
      names = "--metrics-port",
      defaultValue = "9464",
      description =
          "Embedded default: serve /metrics on this port (default ${DEFAULT-VALUE}; a free port if taken; "
              + "-1: off).")
  int metricsPort;

  @Option(
      names = "--temporal-port",
      defaultValue = "0",
      description =
          "Embedded default: also let other processes reach the embedded Temporal server on this port "
              + "(unauthenticated; default: no port).")
  int temporalPort;

  @Option(
      names = "--max-concurrent-tasks",
      description =
          "Embedded default: tasks running at once on this machine (overrides executor.local).")
  Integer maxConcurrentTasks;

  @Override
  public Integer call() {
    RunSpec spec = SpecFiles.load(specFile, System.err);
    if (spec == null) {
      return ExitCodes.USAGE;
    }
    try (Platform p = Platform.open(global)) {
      boolean terminal = System.console() != null;
      RunDriver driver = new RunDriver(p.catalog, System.out, terminal, noProgress);
      if (!global.embedded()) {
        WorkflowClient client = p.connect(global, 0, System.out);
        if (detach) {
          RunLauncher.Launch l = new RunLauncher(client).launch(spec, 0, null);
          System.out.println(
              (l.started() ? "started " : "already running: ")
                  + spec.runId()
                  + " (workflow "
                  + l.execution().getWorkflowId()
                  + ")");
          return ExitCodes.OK;
        }
        return driver.launchAndFollow(client, Pipeline.DEFAULT_TASK_QUEUE, spec, 0, null, null);
      }
      return runEmbedded(p, spec, driver, p.catalog.findRun(spec.runId()).isPresent() ? 1 : 0);
    }
  }

  /** Drives a run on the embedded default, unless another live process already drives it. */
  int runEmbedded(Platform p, RunSpec spec, RunDriver driver, int relaunch) {
    RunLease.Result acquired = RunLease.acquire(p.catalog, spec.runId());
    if (acquired.lease() == null) {
      System.out.println(
          spec.runId()
              + " is already being driven by process "
              + acquired.holder()
              + "; following its progress (Ctrl-C stops following, not the run)");
      return driver.followCatalog(spec);
    }
    try (RunLease lease = acquired.lease()) {
      return drive(
          p, global, spec, driver, relaunch, lease, temporalPort, metricsPort, maxConcurrentTasks);
    }
  }

  static int drive(
      Platform p,
      GlobalOptions global,
      RunSpec spec,
      RunDriver driver,
      int relaunch,
      RunLease lease,
      int temporalPort,
      int metricsPort,
      Integer maxConcurrentTasks) {
    WorkflowClient client = p.connect(global, temporalPort, System.out);
    int port = p.serveMetrics(metricsPort, System.out);
    if (port > 0) {
      System.out.println("metrics: http://localhost:" + port + "/metrics");
    }
    WebhookNotifier notifier = NotifyOptions.fromEnvironment(p);
    p.startWorker(
        ExecutorFactory.create(spec.executor(), maxConcurrentTasks),
        Pipeline.DEFAULT_TASK_QUEUE,
        shardQueues(spec),
        64,
        notifier);
    Thread hook =
        new Thread(
            () ->
                System.out.println(
                    "\nstopped; finished units are kept. Continue with: "
                        + "connectome resume "
                        + spec.runId()));
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return driver.launchAndFollow(
          client, Pipeline.DEFAULT_TASK_QUEUE, spec, relaunch, null, lease);
    } finally {
      notifier.close(); // delivers the run's last notifications (a few seconds at most) before the
      // process ends
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already: the hook says where to continue
      }
    }
  }

  /** Every task queue the spec's steps use: an embedded worker serves them all. */
  static Set<String> shardQueues(RunSpec spec) {
    Set<String> queues = new LinkedHashSet<>();
    queues.add(Pipeline.DEFAULT_TASK_QUEUE);
    for (StepConfig s : Pipeline.steps(spec)) {
      queues.add(s.taskQueue());
    }
    return queues;
  }
}
