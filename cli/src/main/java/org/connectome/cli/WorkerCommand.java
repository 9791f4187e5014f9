package org.connectome.cli;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.connectome.activities.recording.RecordingActivitiesImpl;
import org.connectome.pipeline.Pipeline;
import org.connectome.spec.ExecutorSpec;
import org.connectome.spec.LocalExecutorSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code worker}: a production worker connected to a Temporal cluster. */
@Command(name = "worker", mixinStandardHelpOptions = true,
    description = {"Runs a worker against a Temporal cluster (--temporal): the workflows and the shards of the "
        + "given task queues, until stopped (SIGTERM or Ctrl-C). Run as many as the work needs; runs survive the "
        + "loss of any of them.", "",
        "A facility can run workers of the 'ingest' queue next to the microscope's storage: "
            + "--task-queue ingest --no-workflows."})
final class WorkerCommand implements Callable<Integer> {
  @Mixin
  GlobalOptions global;

  @Option(names = "--task-queue", paramLabel = "QUEUE", split = ",",
      description = "Task queues whose shards this worker runs (default: connectome).")
  List<String> taskQueues;

  @Option(names = "--no-workflows", description = "Run shards only, no workflows, planning or catalog recording.")
  boolean noWorkflows;

  @Option(names = "--max-concurrent-tasks", description = "Tasks running at once on this machine (default: cores).")
  Integer maxConcurrentTasks;

  @Option(names = "--launcher", defaultValue = "process", description = "process (default) or thread.")
  String launcher;

  @Option(names = "--metrics-port", defaultValue = "9464", description = "/metrics port (default ${DEFAULT-VALUE}; -1: off).")
  int metricsPort;

  @Override
  public Integer call() throws InterruptedException {
    if (global.embedded()) {
      System.err.println("a worker connects to a Temporal cluster: give --temporal HOST:PORT (or set "
          + "CX_TEMPORAL_ADDRESS). On one machine without a cluster, use 'connectome run' or 'connectome server'.");
      return ExitCodes.USAGE;
    }
    Platform p = Platform.open(global);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      p.close();
      stopped.countDown();
    }));
    p.connect(global, 0, System.out);
    int port = p.serveMetrics(metricsPort, System.out);
    Set<String> queues = new LinkedHashSet<>(taskQueues == null ? List.of(Pipeline.DEFAULT_TASK_QUEUE) : taskQueues);
    String orchestration = noWorkflows ? "-" : Pipeline.DEFAULT_TASK_QUEUE;
    p.startWorker(ExecutorFactory.create(new ExecutorSpec(ExecutorSpec.LOCAL,
        new LocalExecutorSpec(maxConcurrentTasks, launcher, null), null), null), orchestration, queues, 64,
        new RecordingActivitiesImpl.RunListener() {});
    System.out.println("worker connected to " + global.temporal + " (namespace " + global.namespace + "), queues "
        + queues + (noWorkflows ? ", shards only" : ", with workflows") + (port > 0 ? ", metrics on :" + port : ""));
    stopped.await();
    return ExitCodes.OK;
  }
}
