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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.connectome.activities.recording.TransitionNotifications;
import org.connectome.catalog.Catalog;
import org.connectome.executor.StageExecutor;
import org.connectome.markers.MarkerStores;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.pipeline.Pipeline;
import org.connectome.temporal.LocalTemporalServer;
import org.connectome.temporal.TemporalBinary;
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
  private final LocalTemporalServer localServer;
  private final LocalTemporalServer.Endpoint localEndpoint;
  private final ManagedChannel ownChannel;
  public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Scope scope;
  public final WorkflowServiceStubs service;
  public final WorkflowClient client;
  public final WorkerFactory factory;
  public final Catalog catalog;
  public final PlatformMetrics metrics = new PlatformMetrics(new PrometheusRegistry());

  /**
   * @param serverKind the Java test server in this process or a child JVM, or the real local
   *     Temporal server (a fresh SQLite database beside the catalog)
   * @param maxShardsAtOnce shard activities this worker runs at once
   * @param shardQueues task queues whose shards this worker runs (every step's; the orchestration
   *     queue is always one)
   */
  public BenchPlatform(
      Path catalogFile,
      BenchOptions.Server serverKind,
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
    LocalTemporalServer local = null;
    LocalTemporalServer.Endpoint endpoint = null;
    if (serverKind == BenchOptions.Server.LOCAL) {
      Path temporalDir = catalogFile.resolveSibling("temporal");
      deleteTree(temporalDir); // every bench run starts from an empty database
      local =
          new LocalTemporalServer(
              temporalDir,
              () -> TemporalBinary.locate(System.getenv(), Path.of("").toAbsolutePath()),
              org.connectome.workflows.RunSearchAttributes.registration(),
              freePort());
      endpoint = local.ensureRunning().endpoint();
      server = null;
      serverProcess = null;
      ownChannel =
          ManagedChannelBuilder.forTarget(endpoint.address())
              .usePlaintext()
              .maxInboundMessageSize(64 * 1024 * 1024)
              .build();
      opts.setChannel(ownChannel);
    } else if (serverKind == BenchOptions.Server.PROCESS) {
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
    localServer = local;
    localEndpoint = endpoint;
    service = WorkflowServiceStubs.newServiceStubs(opts.build());
    io.temporal.serviceclient.OperatorServiceStubs ops =
        io.temporal.serviceclient.OperatorServiceStubs.newServiceStubs(
            io.temporal.serviceclient.OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    org.connectome.workflows.RunSearchAttributes.ensureRegistered(ops, NAMESPACE, true);
    ops.shutdown();
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
          TransitionNotifications.NONE,
          markers);
    }
  }

  /**
   * CPU time of the server process (the child test server JVM or the real local server), or null
   * when it runs in this process.
   */
  public Duration serverCpu() {
    if (localEndpoint != null) {
      return ProcessHandle.of(localEndpoint.pid())
          .flatMap(h -> h.info().totalCpuDuration())
          .orElse(null);
    }
    return serverProcess == null ? null : serverProcess.info().totalCpuDuration().orElse(null);
  }

  /** Peak resident memory of the server process (VmHWM), or null when not measurable. */
  public Long serverPeakRssBytes() {
    long pid =
        localEndpoint != null
            ? localEndpoint.pid()
            : serverProcess != null ? serverProcess.pid() : -1;
    if (pid < 0) {
      return null;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return null;
    }
    return null;
  }

  /** Bytes of the real server's SQLite files (database, WAL, shared memory), or null. */
  public Long serverDatabaseBytes() {
    if (localServer == null) {
      return null;
    }
    long total = 0;
    for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
      Path f = Path.of(localServer.database() + suffix);
      try {
        total += Files.exists(f) ? Files.size(f) : 0;
      } catch (IOException e) {
        // gone meanwhile
      }
    }
    return total;
  }

  public boolean serverInChildJvm() {
    return serverProcess != null || localEndpoint != null;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
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
    if (localServer != null) {
      localServer.stop(java.time.Duration.ofSeconds(15));
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
