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
import org.connectome.workflows.client.OrphanedShards;
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
      "On the local default this process is also the run's worker (the local executor runs its tasks):"
          + " the run's state lives in the local Temporal server, so if this process dies, the same"
          + " command (or 'connectome resume') continues the run from its history, redoing no"
          + " finished unit. Ctrl-C stops this process's work; the run waits for a worker.",
      "",
      "Launching the same run (same sample and run name) again never starts a second copy: a running "
          + "run is attached to, a finished one is checked against its markers and ends at once."
    })
final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "SPEC", description = "The run specification (YAML).")
  Path specFile;

  @Mixin GlobalOptions global;

  @Option(
      names = "--detach",
      description =
          "Start the run and return without waiting (its work is then up to a worker: "
              + "'connectome worker', or 'connectome resume RUN' later).")
  boolean detach;

  @Option(names = "--no-progress", description = "Do not show progress, only the outcome.")
  boolean noProgress;

  @Option(
      names = "--metrics-port",
      defaultValue = "9464",
      description =
          "Serve /metrics on this port while this process works on the run (default ${DEFAULT-VALUE}; "
              + "a free port if taken; -1: off).")
  int metricsPort;

  @Option(
      names = "--max-concurrent-tasks",
      description = "Tasks running at once on this machine (overrides executor.local).")
  Integer maxConcurrentTasks;

  @Override
  public Integer call() {
    RunSpec spec = SpecFiles.load(specFile, System.err);
    if (spec == null) {
      return ExitCodes.USAGE;
    }
    try (Platform p = Platform.open(global)) {
      int relaunch = p.catalog.runs().find(spec.runId()).isPresent() ? 1 : 0;
      WorkflowClient client = p.connect(System.out);
      if (detach) {
        RunLauncher.Launch l = new RunLauncher(client).launch(spec, relaunch, null);
        System.out.println(
            (l.started() ? "started " : "already running: ")
                + spec.runId()
                + " (workflow "
                + l.execution().getWorkflowId()
                + ")");
        p.uiLink(l.execution().getWorkflowId(), l.execution().getRunId())
            .ifPresent(u -> System.out.println("Temporal UI: " + u));
        return ExitCodes.OK;
      }
      return drive(p, spec, relaunch, metricsPort, maxConcurrentTasks, noProgress);
    }
  }

  /**
   * Follows a run to its end; where the target hosts workers (a workstation), this process is also
   * a worker for it meanwhile, and first releases the shards a dead worker of this host left.
   */
  static int drive(
      Platform p,
      RunSpec spec,
      int relaunch,
      int metricsPort,
      Integer maxConcurrentTasks,
      boolean quiet) {
    RunDriver driver = new RunDriver(p.catalog, System.out, System.console() != null, quiet);
    if (!p.target.hostsWorkers()) {
      return driver.launchAndFollow(p, Pipeline.DEFAULT_TASK_QUEUE, spec, relaunch, null);
    }
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
    for (OrphanedShards.Released r : new OrphanedShards(p.client()).release(spec.runId())) {
      System.out.println(
          "the worker that ran shard "
              + r.activityId()
              + " of "
              + r.workflowId()
              + " ("
              + r.deadWorker()
              + ") is gone: it runs again now, its finished units kept");
    }
    Thread hook =
        new Thread(
            () ->
                System.out.println(
                    "\nstopped; the run waits for a worker, finished units are kept. Continue with: "
                        + "connectome resume "
                        + spec.runId()));
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return driver.launchAndFollow(p, Pipeline.DEFAULT_TASK_QUEUE, spec, relaunch, null);
    } finally {
      notifier.close(); // delivers the run's last notifications before the process ends
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already: the hook says where to continue
      }
    }
  }

  /** Every task queue the spec's steps use: a worker of this process serves them all. */
  static Set<String> shardQueues(RunSpec spec) {
    Set<String> queues = new LinkedHashSet<>();
    queues.add(Pipeline.DEFAULT_TASK_QUEUE);
    for (StepConfig s : Pipeline.steps(spec)) {
      queues.add(s.taskQueue());
    }
    return queues;
  }
}
