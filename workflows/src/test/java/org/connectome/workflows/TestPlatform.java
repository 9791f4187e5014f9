package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.connectome.catalog.Catalog;
import org.connectome.executor.local.LocalExecutor;
import org.connectome.executor.local.ThreadTaskLauncher;
import org.connectome.layout.RunLayout;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.tasks.synthetic.SyntheticUnitRunner;
import org.connectome.temporal.ClusterConnection;
import org.connectome.temporal.LocalTemporalServer;
import org.connectome.temporal.TemporalBinary;

/**
 * Real workflows with real activities, a real catalog (H2 file) and the local executor running
 * tasks on threads through the task entry point, on Temporal's Java test server (fast, with time
 * skipping) or on a real Temporal server (the local server, started in the test's folder).
 */
final class TestPlatform implements AutoCloseable {
  final Path dir;
  final Catalog catalog;
  final LocalExecutor executor;
  final PrometheusRegistry registry = new PrometheusRegistry();
  final PlatformMetrics metrics = new PlatformMetrics(registry);
  private final TestWorkflowEnvironment env;
  private final LocalTemporalServer server;
  private final WorkflowServiceStubs stubs;
  private final WorkflowClient client;
  private final WorkerFactory factory;

  TestPlatform(Path dir) {
    this(dir, true);
  }

  TestPlatform(Path dir, boolean timeSkipping) {
    this(dir, timeSkipping, e -> e);
  }

  /**
   * @param wrap wraps the local executor the workers use (a test that acts at the moment a shard
   *     starts)
   */
  TestPlatform(
      Path dir,
      boolean timeSkipping,
      java.util.function.UnaryOperator<org.connectome.executor.StageExecutor> wrap) {
    this.dir = dir;
    this.env =
        TestWorkflowEnvironment.newInstance(
            io.temporal.testing.TestEnvironmentOptions.newBuilder()
                .setUseTimeskipping(timeSkipping)
                .build());
    RunSearchAttributes.ensureRegistered(env.getOperatorServiceStubs(), env.getNamespace(), true);
    this.server = null;
    this.stubs = env.getWorkflowServiceStubs();
    this.client = env.getWorkflowClient();
    this.factory = env.getWorkerFactory();
    this.catalog = Catalog.open(Catalog.h2FileUrl(dir.resolve("catalog")));
    this.executor = new LocalExecutor(new ThreadTaskLauncher(), 4);
    PlatformWorkers.register(factory, catalog, wrap.apply(executor), metrics);
    env.start();
  }

  private TestPlatform(Path dir, LocalTemporalServer server) {
    this.dir = dir;
    this.env = null;
    this.server = server;
    String address = server.ensureRunning().endpoint().address();
    this.stubs = ClusterConnection.plain(address, "default").connect(null);
    this.client = WorkflowClient.newInstance(stubs);
    this.factory = WorkerFactory.newInstance(client);
    this.catalog = Catalog.open(Catalog.h2FileUrl(dir.resolve("catalog")));
    this.executor = new LocalExecutor(new ThreadTaskLauncher(), 4);
    PlatformWorkers.register(factory, catalog, executor, metrics);
    factory.start();
  }

  /**
   * The platform on a real Temporal server of its own (the pinned binary, SQLite in {@code dir}).
   */
  static TestPlatform onRealServer(Path dir) {
    return new TestPlatform(
        dir,
        new LocalTemporalServer(
            dir.resolve("temporal"),
            () -> TemporalBinary.locate(System.getenv(), Path.of("").toAbsolutePath()),
            RunSearchAttributes.registration(),
            freePort()));
  }

  private static int freePort() {
    for (int i = 0; i < 50; i++) {
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        if (s.getLocalPort() + 1000 < 65536) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free port");
  }

  WorkflowClient client() {
    return client;
  }

  WorkflowServiceStubs stubs() {
    return stubs;
  }

  /**
   * A spec from YAML text, through the real loader; {@code DATA} in the text becomes the test's
   * data folder.
   */
  RunSpec spec(String yaml) throws Exception {
    return new RunSpecLoader()
        .parse(yaml.replace("DATA", dir.resolve("data").toString()), "test.yaml", dir);
  }

  /** Completed executions per unit, from the synthetic step's execution log. */
  Map<Long, Integer> executions(RunSpec spec, StepConfig step) throws IOException {
    Path log =
        RunLayout.of(spec.dataRoot(), spec.sample(), spec.run())
            .step(step.stage(), step.step())
            .dir()
            .resolve(SyntheticUnitRunner.EXECUTION_LOG);
    Map<Long, Integer> counts = new TreeMap<>();
    if (!Files.exists(log)) {
      return counts;
    }
    for (String line : Files.readAllLines(log)) {
      counts.merge(Long.parseLong(line.split("\t")[0]), 1, Integer::sum);
    }
    return counts;
  }

  /** Asserts that every unit of every step ran exactly once. */
  void assertEachUnitRanOnce(RunSpec spec) throws IOException {
    for (StepConfig step : Pipeline.steps(spec)) {
      long units =
          catalog.progress().status(spec.runId()).stages().stream()
              .filter(s -> s.stage().equals(step.stage()))
              .flatMap(s -> s.steps().stream())
              .filter(s -> s.step().equals(step.step()))
              .findFirst()
              .orElseThrow()
              .unitsTotal();
      Map<Long, Integer> ex = executions(spec, step);
      assertEquals(units, ex.size(), step.qualifiedName() + ": units executed");
      ex.forEach((u, n) -> assertEquals(1, n, step.qualifiedName() + " unit " + u + " executions"));
    }
  }

  /** Every closed workflow execution's history, newest first. */
  List<WorkflowExecutionHistory> closedHistories() {
    List<WorkflowExecutionHistory> out = new ArrayList<>();
    ListClosedWorkflowExecutionsResponse resp =
        stubs
            .blockingStub()
            .listClosedWorkflowExecutions(
                ListClosedWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(client.getOptions().getNamespace())
                    .setMaximumPageSize(1000)
                    .build());
    for (WorkflowExecutionInfo info : resp.getExecutionsList()) {
      out.add(
          client()
              .fetchHistory(info.getExecution().getWorkflowId(), info.getExecution().getRunId()));
    }
    return out;
  }

  double counter(String name, Map<String, String> labels) {
    return MetricsReader.value(registry, name, labels);
  }

  @Override
  public void close() {
    if (env != null) {
      env.close();
    } else {
      factory.shutdownNow();
      factory.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
      stubs.shutdownNow();
      server.stop(java.time.Duration.ofSeconds(10));
    }
    executor.close();
    catalog.close();
  }
}
