package org.connectome.cli;

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

/** {@code server}: the embedded default as a long-running process other commands connect to. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Starts the embedded default as a server: Temporal's test server on a port, a worker with the "
        + "local executor, and /metrics. Other terminals then use --temporal localhost:PORT (and the same "
        + "catalog). For one workstation without a cluster; the test server keeps its state in memory and has no "
        + "authentication."})
final class ServerCommand implements Callable<Integer> {
  @Mixin
  GlobalOptions global;

  @Option(names = "--port", defaultValue = "7233", description = "Temporal port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--max-concurrent-tasks", description = "Tasks running at once (default: cores).")
  Integer maxConcurrentTasks;

  @Option(names = "--launcher", defaultValue = "process", description = "process (default) or thread.")
  String launcher;

  @Option(names = "--metrics-port", defaultValue = "9464", description = "/metrics port (-1: off).")
  int metricsPort;

  @Override
  public Integer call() throws InterruptedException {
    if (!global.embedded()) {
      System.err.println("'server' starts its own Temporal test server; to work against a cluster use 'worker'");
      return ExitCodes.USAGE;
    }
    Platform p = Platform.open(global);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      p.close();
      stopped.countDown();
    }));
    p.connect(global, port, System.out);
    int mport = p.serveMetrics(metricsPort, System.out);
    p.startWorker(ExecutorFactory.create(new ExecutorSpec(ExecutorSpec.LOCAL,
        new LocalExecutorSpec(maxConcurrentTasks, launcher, null), null), null), Pipeline.DEFAULT_TASK_QUEUE,
        Set.of(Pipeline.DEFAULT_TASK_QUEUE, "ingest"), 64, new RecordingActivitiesImpl.RunListener() {});
    System.out.println("ready: connectome run SPEC --temporal localhost:" + port
        + (mport > 0 ? "   metrics: http://localhost:" + mport + "/metrics" : ""));
    stopped.await();
    return ExitCodes.OK;
  }
}
