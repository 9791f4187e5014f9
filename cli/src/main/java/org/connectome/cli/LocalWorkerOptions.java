package org.connectome.cli;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import org.connectome.executor.StageExecutor;
import org.connectome.spec.ExecutorSpec;
import org.connectome.spec.LocalExecutorSpec;
import picocli.CommandLine.Option;

/** Options of the long-running commands ({@code worker}, {@code server}) that run tasks on this machine. */
final class LocalWorkerOptions {
  @Option(names = "--max-concurrent-tasks", description = "Tasks running at once on this machine (default: cores).")
  Integer maxConcurrentTasks;

  @Option(names = "--launcher", defaultValue = "process",
      description = "How tasks run: process (a child JVM each; default) or thread.")
  String launcher;

  @Option(names = "--metrics-port", defaultValue = "9464",
      description = "/metrics port (default ${DEFAULT-VALUE}; a free port if taken; -1: off).")
  int metricsPort;

  StageExecutor executor() {
    return ExecutorFactory.create(new ExecutorSpec(ExecutorSpec.LOCAL,
        new LocalExecutorSpec(maxConcurrentTasks, launcher, null), null), null);
  }

  /**
   * Blocks until the process is asked to stop (SIGTERM, Ctrl-C), then closes the platform: the worker stops
   * polling, running shards stop their tasks, and Temporal retries them on other workers.
   */
  static void serveUntilStopped(Platform p, PrintStream out, String ready) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      p.close();
      stopped.countDown();
    }, "shutdown"));
    out.println(ready);
    stopped.await();
  }
}
