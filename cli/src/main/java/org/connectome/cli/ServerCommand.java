package org.connectome.cli;

import java.util.Set;
import java.util.concurrent.Callable;
import org.connectome.pipeline.Pipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code server}: the embedded default as a long-running process other commands connect to. */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Starts the embedded default as a server: Temporal's test server on a port, a worker with the "
          + "local executor, and /metrics. Other terminals then use --temporal localhost:PORT (and the same "
          + "catalog). For one workstation without a cluster; the test server keeps its state in memory and has no "
          + "authentication."
    })
final class ServerCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;

  @Mixin LocalWorkerOptions local;

  @Mixin NotifyOptions notify;

  @Option(
      names = "--port",
      defaultValue = "7233",
      description = "Temporal port (default ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws InterruptedException {
    if (!global.embedded()) {
      System.err.println(
          "'server' starts its own Temporal test server; to work against a cluster use 'worker'");
      return ExitCodes.USAGE;
    }
    Platform p = Platform.open(global);
    p.connect(global, port, System.out);
    int metrics = p.serveMetrics(local.metricsPort, System.out);
    p.startWorker(
        local.executor(),
        Pipeline.DEFAULT_TASK_QUEUE,
        Set.of(Pipeline.DEFAULT_TASK_QUEUE, Pipeline.INGEST_TASK_QUEUE),
        64,
        notify.start(p));
    LocalWorkerOptions.serveUntilStopped(
        p,
        System.out,
        "ready: connectome run SPEC --temporal localhost:"
            + port
            + " --catalog "
            + global.catalogUrl()
            + (metrics > 0 ? "   metrics: http://localhost:" + metrics + "/metrics" : ""));
    return ExitCodes.OK;
  }
}
