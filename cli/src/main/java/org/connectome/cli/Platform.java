package org.connectome.cli;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.connectome.activities.recording.TransitionNotifications;
import org.connectome.catalog.Catalog;
import org.connectome.executor.RoutingExecutor;
import org.connectome.executor.StageExecutor;
import org.connectome.ingest.IngestExecutor;
import org.connectome.ingest.IngestStore;
import org.connectome.metrics.CatalogCollector;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.temporal.ClusterConnection;
import org.connectome.temporal.LocalTemporalServer;
import org.connectome.temporal.TemporalBinary;
import org.connectome.temporal.TemporalUnavailableException;
import org.connectome.workflows.PlatformWorkers;
import org.connectome.workflows.RunSearchAttributes;
import org.connectome.workflows.client.WorkerIdentity;

/**
 * The parts a command needs, assembled once: the catalog, the metrics registry (the platform's own
 * metrics, catalog-derived run state, JVM and Temporal SDK metrics in one registry behind one
 * {@code /metrics}), the Temporal connection of the {@link TemporalTarget} and, for commands that
 * run work, a worker.
 */
final class Platform implements AutoCloseable {
  final Catalog catalog;
  final TemporalTarget target;
  final PrometheusRegistry registry = new PrometheusRegistry();
  final PlatformMetrics metrics = new PlatformMetrics(registry);
  private final PrometheusMeterRegistry meters;
  private TestServer.InProcessTestServer inMemory;
  private LocalTemporalServer.Endpoint localEndpoint;
  private WorkflowServiceStubs service;
  private WorkflowClient client;
  private WorkerFactory factory;
  private StageExecutor executor;
  private HTTPServer metricsServer;
  private IngestStore ingest;

  private Platform(Catalog catalog, TemporalTarget target) {
    this.catalog = catalog;
    this.target = target;
    this.meters =
        new PrometheusMeterRegistry(
            PrometheusConfig.DEFAULT, registry, io.micrometer.core.instrument.Clock.SYSTEM);
    registry.register(new CatalogCollector(catalog, Clock.systemUTC()));
    JvmMetrics.builder().register(registry);
  }

  /** Opens the catalog; throws {@link PlatformException} naming what failed. */
  static Platform open(GlobalOptions o) {
    TemporalTarget target = o.target();
    try {
      return new Platform(Catalog.open(o.catalogUrl(), o.catalogUser, o.catalogPassword), target);
    } catch (RuntimeException e) {
      throw new PlatformException("cannot open the catalog: " + e.getMessage(), e);
    }
  }

  /** Ingest's tables in the catalog's database, opened (and migrated) on first use. */
  synchronized IngestStore ingest() {
    if (ingest == null) {
      ingest = IngestStore.open(catalog);
    }
    return ingest;
  }

  /** The local server of {@code $CX_HOME} (whether it runs or not), for a local target. */
  static LocalTemporalServer localServer(TemporalTarget.Local l) {
    return new LocalTemporalServer(
        l.dir(),
        () -> TemporalBinary.locate(System.getenv(), Path.of("").toAbsolutePath()),
        RunSearchAttributes.registration(),
        portFromEnvironment());
  }

  private static int portFromEnvironment() {
    String p = System.getenv("CX_TEMPORAL_PORT");
    try {
      return p == null || p.isBlank() ? 0 : Integer.parseInt(p.trim());
    } catch (NumberFormatException e) {
      throw new PlatformException("CX_TEMPORAL_PORT='" + p + "' is not a port number", e);
    }
  }

  /**
   * Connects to the target's Temporal: the local server (started here on first need, its addresses
   * printed then), the in-memory test server (started here, with a warning) or the cluster (every
   * connection setting checked first).
   */
  WorkflowClient connect(PrintStream out) {
    Scope scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(meters))
            .reportEvery(com.uber.m3.util.Duration.ofSeconds(5));
    try {
      if (target instanceof TemporalTarget.Local l) {
        LocalTemporalServer server = localServer(l);
        LocalTemporalServer.Attached a = server.ensureRunning();
        localEndpoint = a.endpoint();
        if (a.started()) {
          out.println(startedMessage(server, a));
        }
        service = ClusterConnection.plain(a.endpoint().address(), l.namespace()).connect(scope);
        registerSearchAttributes(true);
      } else if (target instanceof TemporalTarget.InMemory) {
        out.println(
            "Temporal: in-memory test server inside this process (--temporal in-memory): nothing"
                + " survives this process; other commands cannot reach this run.");
        inMemory = TestServer.createServer(true);
        service =
            WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder()
                    .setChannel(inMemory.getChannel())
                    .setMetricsScope(scope)
                    .build());
        registerSearchAttributes(true);
      } else {
        service = ((TemporalTarget.Cluster) target).connection().connect(scope);
        registerSearchAttributes(false);
      }
    } catch (TemporalUnavailableException | IllegalStateException e) {
      throw new PlatformException(
          e.getMessage()
              + (target instanceof TemporalTarget.Local
                  ? " (to run without it: --temporal in-memory, with the run's state in memory only)"
                  : ""),
          e);
    }
    client =
        WorkflowClient.newInstance(
            service,
            WorkflowClientOptions.newBuilder()
                .setNamespace(target.namespace())
                .setIdentity(WorkerIdentity.self())
                .build());
    return client;
  }

  static String startedMessage(LocalTemporalServer server, LocalTemporalServer.Attached a) {
    return (a.restarted() ? "Temporal server restarted from " : "Temporal server started on ")
        + server.database()
        + " ("
        + a.endpoint().describe()
        + " (stop it with: connectome server stop)";
  }

  private void registerSearchAttributes(boolean create) {
    OperatorServiceStubs ops =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      RunSearchAttributes.ensureRegistered(ops, target.namespace(), create);
    } finally {
      ops.shutdown();
    }
  }

  /**
   * A client only when Temporal is already up (the local server running, or a cluster): for
   * read-only commands, which never start a server.
   */
  Optional<WorkflowClient> connectIfRunning(PrintStream out) {
    if (target instanceof TemporalTarget.InMemory) {
      return Optional.empty();
    }
    if (target instanceof TemporalTarget.Local l && localServer(l).running().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(connect(out));
  }

  WorkflowClient client() {
    return client;
  }

  /**
   * For a local target: starts the server again when it has died (its pid gone), from its database,
   * on the same port, so this process's connections recover. Returns whether it did.
   */
  boolean reviveLocalServer(PrintStream out) {
    if (!(target instanceof TemporalTarget.Local l)) {
      return false;
    }
    LocalTemporalServer server = localServer(l);
    if (server.running().isPresent()) {
      return false;
    }
    try {
      LocalTemporalServer.Attached a = server.ensureRunning();
      localEndpoint = a.endpoint();
      if (a.started()) {
        out.println();
        out.println(startedMessage(server, a));
      }
      return a.started();
    } catch (TemporalUnavailableException e) {
      throw new PlatformException(e.getMessage(), e);
    }
  }

  /** The Web UI page of a workflow, on the local server; empty elsewhere. */
  Optional<String> uiLink(String workflowId, String runId) {
    if (localEndpoint == null) {
      return Optional.empty();
    }
    return Optional.of(
        localEndpoint.uiUrl()
            + "/namespaces/"
            + target.namespace()
            + "/workflows/"
            + URLEncoder.encode(workflowId, StandardCharsets.UTF_8)
            + (runId == null ? "" : "/" + runId + "/history"));
  }

  /**
   * Starts a worker for the orchestration queue and the given shard queues. Shards run on {@code
   * executor}, except the reference ingest's, which run in this worker (Spring Batch jobs against
   * the catalog).
   */
  void startWorker(
      StageExecutor executor,
      String orchestrationQueue,
      Set<String> shardQueues,
      int maxShards,
      TransitionNotifications notifications) {
    this.executor =
        new RoutingExecutor(
            executor,
            Map.of(
                IngestExecutor.ROUTE,
                IngestExecutor.create(
                    ingest(), registry, Math.max(2, Runtime.getRuntime().availableProcessors()))));
    factory = WorkerFactory.newInstance(client);
    PlatformWorkers.register(
        factory,
        orchestrationQueue,
        shardQueues,
        maxShards,
        catalog,
        this.executor,
        metrics,
        notifications);
    factory.start();
  }

  /**
   * Serves {@code /metrics} on {@code port}; when it is taken, on a free port instead. Returns the
   * port, or -1 when {@code port} is negative (metrics off).
   */
  int serveMetrics(int port, PrintStream out) {
    if (port < 0) {
      return -1;
    }
    try {
      metricsServer = HTTPServer.builder().port(port).registry(registry).buildAndStart();
    } catch (BindException e) {
      try {
        metricsServer = HTTPServer.builder().port(0).registry(registry).buildAndStart();
        out.println(
            "port "
                + port
                + " is taken: serving metrics on port "
                + metricsServer.getPort()
                + " instead");
      } catch (IOException e2) {
        throw new PlatformException("cannot serve metrics: " + e2.getMessage(), e2);
      }
    } catch (IOException e) {
      throw new PlatformException(
          "cannot serve metrics on port " + port + ": " + e.getMessage(), e);
    }
    return metricsServer.getPort();
  }

  /**
   * Blocks until the process is asked to stop (SIGTERM, Ctrl-C), then closes the platform: the
   * worker stops polling, running shards stop their tasks, and Temporal retries them on other
   * workers.
   */
  void serveUntilStopped(PrintStream out, String ready) throws InterruptedException {
    java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  close();
                  stopped.countDown();
                },
                "shutdown"));
    out.println(ready);
    stopped.await();
  }

  @Override
  public void close() {
    // the executor first: it then knows the worker is going away, so the Kubernetes executor
    // leaves running Jobs to be adopted by the shard's retry instead of deleting them when the
    // worker's threads are interrupted
    if (executor != null) {
      executor.close();
    }
    if (factory != null) {
      factory.shutdownNow();
      factory.awaitTermination(10, TimeUnit.SECONDS);
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (inMemory != null) {
      try {
        inMemory.close();
      } catch (Exception e) {
        // closing an in-memory server cannot lose anything more than closing it does
      }
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    catalog.close();
  }

  /**
   * The platform itself cannot work: no catalog, no Temporal, no port. Exit code {@link
   * ExitCodes#UNAVAILABLE}.
   */
  static final class PlatformException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PlatformException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
