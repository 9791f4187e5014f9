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
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.connectome.activities.recording.RecordingActivitiesImpl;
import org.connectome.catalog.Catalog;
import org.connectome.executor.RoutingExecutor;
import org.connectome.executor.StageExecutor;
import org.connectome.ingest.IngestExecutor;
import org.connectome.metrics.CatalogCollector;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.workflows.PlatformWorkers;

/**
 * The parts a command needs, assembled once: the catalog, the metrics registry (the platform's own
 * metrics, catalog-derived run state, JVM and Temporal SDK metrics in one registry behind one
 * {@code /metrics}), the Temporal connection (embedded or a cluster) and, for commands that run
 * work, a worker.
 */
final class Platform implements AutoCloseable {
  final Catalog catalog;
  final PrometheusRegistry registry = new PrometheusRegistry();
  final PlatformMetrics metrics = new PlatformMetrics(registry);
  private final PrometheusMeterRegistry meters;
  private EmbeddedTemporal embedded;
  private WorkflowServiceStubs service;
  private WorkflowClient client;
  private WorkerFactory factory;
  private StageExecutor executor;
  private HTTPServer metricsServer;

  private Platform(Catalog catalog) {
    this.catalog = catalog;
    this.meters =
        new PrometheusMeterRegistry(
            PrometheusConfig.DEFAULT, registry, io.micrometer.core.instrument.Clock.SYSTEM);
    registry.register(new CatalogCollector(catalog, Clock.systemUTC()));
    JvmMetrics.builder().register(registry);
  }

  /** Opens the catalog; throws {@link PlatformException} naming what failed. */
  static Platform open(GlobalOptions o) {
    try {
      return new Platform(Catalog.open(o.catalogUrl(), o.catalogUser, o.catalogPassword));
    } catch (RuntimeException e) {
      throw new PlatformException("cannot open the catalog: " + e.getMessage(), e);
    }
  }

  /**
   * Connects to Temporal: the cluster named by {@code --temporal}, or an embedded test server
   * started here (bound to {@code embeddedPort} when it is positive).
   */
  WorkflowClient connect(GlobalOptions o, int embeddedPort, PrintStream out) {
    Scope scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(meters))
            .reportEvery(com.uber.m3.util.Duration.ofSeconds(5));
    WorkflowServiceStubsOptions.Builder opts =
        WorkflowServiceStubsOptions.newBuilder().setMetricsScope(scope);
    if (o.embedded()) {
      embedded =
          embeddedPort > 0 ? EmbeddedTemporal.onPort(embeddedPort) : EmbeddedTemporal.inProcess();
      if (embeddedPort > 0) {
        out.println(
            "Embedded Temporal test server listening on port "
                + embeddedPort
                + " of ALL interfaces, "
                + "UNAUTHENTICATED: anyone who can reach this port can start, signal and cancel workflows. State is in "
                + "memory only. Use it on a trusted machine; production uses a Temporal cluster (--temporal).");
      }
      opts.setChannel(embedded.channel());
      service = WorkflowServiceStubs.newServiceStubs(opts.build());
    } else {
      opts.setTarget(o.temporal);
      try {
        service =
            WorkflowServiceStubs.newConnectedServiceStubs(
                opts.build(), java.time.Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        throw new PlatformException(
            "cannot reach Temporal at " + o.temporal + ": " + e.getMessage(), e);
      }
    }
    client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace(o.namespace).build());
    return client;
  }

  WorkflowClient client() {
    return client;
  }

  boolean isEmbedded() {
    return embedded != null;
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
      RecordingActivitiesImpl.RunListener listener) {
    this.executor =
        new RoutingExecutor(
            executor,
            Map.of(
                IngestExecutor.ROUTE,
                IngestExecutor.create(
                    catalog.dataSource(),
                    registry,
                    Math.max(2, Runtime.getRuntime().availableProcessors()))));
    factory = WorkerFactory.newInstance(client);
    PlatformWorkers.register(
        factory,
        orchestrationQueue,
        shardQueues,
        maxShards,
        catalog,
        this.executor,
        metrics,
        listener);
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

  @Override
  public void close() {
    // the executor first: it then knows the worker is going away, so the Kubernetes executor leaves
    // running Jobs
    // to be adopted by the shard's retry instead of deleting them when the worker's threads are
    // interrupted
    if (executor != null) {
      executor.close();
    }
    if (factory != null) {
      factory.shutdownNow();
      factory.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (embedded != null) {
      embedded.close();
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
