package org.connectome.bench;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.connectome.activities.recording.RecordingActivitiesImpl;
import org.connectome.catalog.Catalog;
import org.connectome.executor.StageExecutor;
import org.connectome.markers.MarkerStores;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.pipeline.Pipeline;
import org.connectome.workflows.PlatformWorkers;

/**
 * What the benchmark runs on: Temporal's test server (in this process, or in a child JVM so that
 * its CPU and memory are kept apart from the orchestrator's), a client whose SDK metrics go to a
 * Micrometer registry (as the CLI bridges them, here to count requests such as heartbeats), the
 * real catalog (an H2 file) and the real workers registered by {@link PlatformWorkers}.
 */
public final class BenchPlatform implements AutoCloseable {
  public static final String NAMESPACE = "default";

  private final AutoCloseable server;
  private final Process serverProcess;
  private final ManagedChannel ownChannel;
  public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Scope scope;
  public final WorkflowServiceStubs service;
  public final WorkflowClient client;
  public final WorkerFactory factory;
  public final Catalog catalog;
  public final PlatformMetrics metrics = new PlatformMetrics(new PrometheusRegistry());

  /**
   * @param serverInChildJvm run the test server in a child JVM (port-bound on loopback) instead of
   *     in-process
   * @param maxShardsAtOnce shard activities this worker runs at once
   * @param shardQueues task queues whose shards this worker runs (every step's; the orchestration
   *     queue is always one)
   */
  public BenchPlatform(
      Path catalogFile,
      boolean serverInChildJvm,
      String serverJavaOptions,
      int maxShardsAtOnce,
      StageExecutor executor,
      MarkerStores markers,
      Set<String> shardQueues)
      throws IOException, InterruptedException {
    scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(meters))
            .reportEvery(com.uber.m3.util.Duration.ofMillis(500));
    WorkflowServiceStubsOptions.Builder opts =
        WorkflowServiceStubsOptions.newBuilder().setMetricsScope(scope);
    if (serverInChildJvm) {
      int port = freePort();
      ProcessBuilder pb =
          new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String o : serverJavaOptions.trim().split("\\s+")) {
        if (!o.isEmpty()) {
          pb.command().add(o);
        }
      }
      pb.command().add("-cp");
      pb.command().add(System.getProperty("java.class.path"));
      pb.command().add("io.temporal.testserver.TestServer");
      pb.command().add(Integer.toString(port));
      pb.redirectErrorStream(true)
          .redirectOutput(catalogFile.resolveSibling("temporal-test-server.log").toFile());
      serverProcess = pb.start();
      waitForPort(port, serverProcess);
      server = null;
      ownChannel =
          ManagedChannelBuilder.forAddress("127.0.0.1", port)
              .usePlaintext()
              .maxInboundMessageSize(64 * 1024 * 1024)
              .build();
      opts.setChannel(ownChannel);
    } else {
      TestServer.InProcessTestServer s = TestServer.createServer(true);
      server = s;
      serverProcess = null;
      ownChannel = null;
      opts.setChannel(s.getChannel());
    }
    service = WorkflowServiceStubs.newServiceStubs(opts.build());
    client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
    catalog = Catalog.open(Catalog.h2FileUrl(catalogFile));
    factory = WorkerFactory.newInstance(client);
    if (executor != null) {
      Set<String> queues = new java.util.LinkedHashSet<>(shardQueues);
      queues.add(Pipeline.DEFAULT_TASK_QUEUE);
      PlatformWorkers.register(
          factory,
          Pipeline.DEFAULT_TASK_QUEUE,
          queues,
          maxShardsAtOnce,
          catalog,
          executor,
          metrics,
          new RecordingActivitiesImpl.RunListener() {},
          markers);
    }
  }

  /** CPU time of the child JVM running the test server, or null when it runs in this process. */
  public Duration serverCpu() {
    return serverProcess == null ? null : serverProcess.info().totalCpuDuration().orElse(null);
  }

  public boolean serverInChildJvm() {
    return serverProcess != null;
  }

  /**
   * Requests the SDK made, by operation (RespondWorkflowTaskCompleted, RecordActivityTaskHeartbeat,
   * ...), from the {@code temporal_request} counter; flushes the metrics scope first.
   */
  public Map<String, Long> requestsByOperation() {
    try {
      Thread.sleep(1_100); // two report intervals: the last requests reach the registry
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Map<String, Long> out = new TreeMap<>();
    for (Meter m : meters.getMeters()) {
      if (m instanceof Counter c && m.getId().getName().equals("temporal_request")) {
        String op = m.getId().getTag("operation");
        out.merge(op == null ? "?" : op, (long) c.count(), Long::sum);
      }
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void waitForPort(int port, Process p) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException(
            "the Temporal test server process ended with exit code " + p.exitValue());
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new IOException("the Temporal test server did not open port " + port + " within 60 s");
  }

  @Override
  public void close() {
    factory.shutdownNow();
    factory.awaitTermination(10, TimeUnit.SECONDS);
    service.shutdownNow();
    try {
      scope.close();
    } catch (com.uber.m3.tally.ScopeCloseException e) {
      // metrics are read before closing; nothing to lose
    }
    if (ownChannel != null) {
      ownChannel.shutdownNow();
    }
    if (server != null) {
      try {
        server.close();
      } catch (Exception e) {
        // an in-memory server loses nothing that matters here
      }
    }
    if (serverProcess != null) {
      serverProcess.destroy();
      try {
        if (!serverProcess.waitFor(10, TimeUnit.SECONDS)) {
          serverProcess.destroyForcibly();
        }
      } catch (InterruptedException e) {
        serverProcess.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    catalog.close();
  }
}
