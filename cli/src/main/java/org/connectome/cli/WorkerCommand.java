package org.connectome.cli;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.connectome.executor.StageExecutor;
import org.connectome.pipeline.Pipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code worker}: a production worker connected to a Temporal cluster. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a worker against the local Temporal server (default) or a cluster (--temporal): the workflows and the shards of the "
          + "given task queues, until stopped (SIGTERM or Ctrl-C). Run as many as the work needs; runs survive the "
          + "loss of any of them.",
      "",
      "A facility can run workers of the 'ingest' queue next to the microscope's storage: "
          + "--task-queue ingest --no-workflows.",
      "",
      "In a Kubernetes cluster, --executor kubernetes runs each shard as an Indexed Job (options --k8s-namespace, "
          + "--image, --data-claim, --service-account, ... or their CX_* environment variables; see k8s/README.md)."
    })
final class WorkerCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;

  @Mixin ExecutorOptions tasks;

  @Option(
      names = "--metrics-port",
      defaultValue = "9464",
      description = "/metrics port (default ${DEFAULT-VALUE}; a free port if taken; -1: off).")
  int metricsPort;

  @Mixin NotifyOptions notify;

  @Option(
      names = "--task-queue",
      paramLabel = "QUEUE",
      split = ",",
      description = "Task queues whose shards this worker runs (default: connectome,ingest).")
  List<String> taskQueues;

  @Option(
      names = "--no-workflows",
      description = "Run shards only, no workflows, planning or catalog recording.")
  boolean noWorkflows;

  @Override
  public Integer call() throws InterruptedException {
    if (global.target() instanceof TemporalTarget.InMemory) {
      System.err.println(
          "--temporal in-memory: a worker needs a Temporal that other processes reach: the local"
              + " server (default) or a cluster (--temporal HOST:PORT)");
      return ExitCodes.USAGE;
    }
    Platform p = Platform.open(global);
    p.connect(System.out);
    int port = p.serveMetrics(metricsPort, System.out);
    Set<String> queues =
        new LinkedHashSet<>(
            taskQueues == null
                ? List.of(Pipeline.DEFAULT_TASK_QUEUE, Pipeline.INGEST_TASK_QUEUE)
                : taskQueues);
    StageExecutor executor = tasks.create();
    p.startWorker(
        executor, noWorkflows ? null : Pipeline.DEFAULT_TASK_QUEUE, queues, 64, notify.start(p));
    p.serveUntilStopped(
        System.out,
        "worker connected to "
            + p.client().getWorkflowServiceStubs().getOptions().getTarget()
            + " (namespace "
            + global.namespace
            + "), queues "
            + queues
            + (noWorkflows ? ", shards only" : ", with workflows")
            + ", tasks on "
            + executor.describe()
            + (port > 0 ? ", metrics on :" + port : ""));
    return ExitCodes.OK;
  }
}
