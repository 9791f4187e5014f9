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
      "Runs a worker against a Temporal cluster (--temporal): the workflows and the shards of the "
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

  @Mixin LocalWorkerOptions local;

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
    if (global.embedded()) {
      System.err.println(
          "a worker connects to a Temporal cluster: give --temporal HOST:PORT (or set "
              + "CX_TEMPORAL_ADDRESS). On one machine without a cluster, use 'connectome run' or 'connectome server'.");
      return ExitCodes.USAGE;
    }
    Platform p = Platform.open(global);
    p.connect(global, 0, System.out);
    int port = p.serveMetrics(local.metricsPort, System.out);
    Set<String> queues =
        new LinkedHashSet<>(
            taskQueues == null
                ? List.of(Pipeline.DEFAULT_TASK_QUEUE, Pipeline.INGEST_TASK_QUEUE)
                : taskQueues);
    StageExecutor executor = local.executor();
    p.startWorker(
        executor, noWorkflows ? null : Pipeline.DEFAULT_TASK_QUEUE, queues, 64, notify.start(p));
    LocalWorkerOptions.serveUntilStopped(
        p,
        System.out,
        "worker connected to "
            + global.temporal
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
