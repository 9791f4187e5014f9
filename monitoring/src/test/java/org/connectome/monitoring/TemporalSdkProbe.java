package org.connectome.monitoring;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Temporal SDK's metrics exactly as the platform exposes them (Micrometer's Prometheus registry
 * behind the same reporter as {@code cli/Platform}), from a worker that sees an activity fail and a
 * workflow task fail, and from a client whose request the server refuses. A demo run has none of
 * these, and the SDK creates those counters only when they first count, so this is where their
 * names are checked.
 */
final class TemporalSdkProbe {
  private static final String QUEUE = "probe";
  private static final AtomicBoolean WORKFLOW_TASK_FAILED = new AtomicBoolean();
  private static final AtomicInteger ACTIVITY_CALLS = new AtomicInteger();
  private static String scrape;

  private TemporalSdkProbe() {}

  @ActivityInterface
  public interface ProbeActivity {
    String work();
  }

  @WorkflowInterface
  public interface ProbeWorkflow {
    @WorkflowMethod
    String run();
  }

  public static final class ProbeActivityImpl implements ProbeActivity {
    @Override
    public String work() {
      if (ACTIVITY_CALLS.incrementAndGet() == 1) {
        throw new IllegalStateException("probe: the first attempt of this activity fails");
      }
      return "ok";
    }
  }

  public static final class ProbeWorkflowImpl implements ProbeWorkflow {
    @Override
    public String run() {
      if (WORKFLOW_TASK_FAILED.compareAndSet(false, true)) {
        // not a TemporalFailure: the SDK fails the workflow task, and the server retries it
        throw new IllegalStateException("probe: the first workflow task fails");
      }
      ProbeActivity a =
          Workflow.newActivityStub(
              ProbeActivity.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofSeconds(10))
                  .setRetryOptions(
                      RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(100)).build())
                  .build());
      return a.work();
    }
  }

  /** The exposition text of the probe's registry (computed once). */
  static synchronized String scrape() {
    if (scrape == null) {
      PrometheusRegistry registry = new PrometheusRegistry();
      PrometheusMeterRegistry meters =
          new PrometheusMeterRegistry(
              PrometheusConfig.DEFAULT, registry, io.micrometer.core.instrument.Clock.SYSTEM);
      Scope scope =
          new RootScopeBuilder()
              .reporter(new MicrometerClientStatsReporter(meters))
              .reportEvery(com.uber.m3.util.Duration.ofMillis(100));
      TestWorkflowEnvironment env =
          TestWorkflowEnvironment.newInstance(
              TestEnvironmentOptions.newBuilder()
                  .setMetricsScope(scope)
                  .setUseTimeskipping(false)
                  .build());
      try {
        Worker w = env.newWorker(QUEUE);
        w.registerWorkflowImplementationTypes(ProbeWorkflowImpl.class);
        w.registerActivitiesImplementations(new ProbeActivityImpl());
        org.connectome.workflows.RunSearchAttributes.ensureRegistered(
            env.getOperatorServiceStubs(), env.getNamespace(), true);
        env.start();
        String result =
            env.getWorkflowClient()
                .newWorkflowStub(
                    ProbeWorkflow.class,
                    WorkflowOptions.newBuilder()
                        .setTaskQueue(QUEUE)
                        .setWorkflowId("probe")
                        .setWorkflowExecutionTimeout(Duration.ofSeconds(60))
                        .build())
                .run();
        if (!"ok".equals(result)) {
          throw new IllegalStateException("probe workflow returned " + result);
        }
        // a request the server refuses (NOT_FOUND): whether the worker's own requests fail during
        // the probe depends on timing, and temporal_request_failure_total exists only once one has
        try {
          env.getWorkflowClient()
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(env.getNamespace())
                      .setExecution(
                          io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                              .setWorkflowId("probe-no-such-workflow"))
                      .build());
          throw new IllegalStateException("the probe's missing workflow was found");
        } catch (io.grpc.StatusRuntimeException expected) {
          // counted by the SDK's gRPC metrics interceptor
        }
      } finally {
        env.close();
        try {
          scope.close(); // reports what is buffered
        } catch (com.uber.m3.tally.ScopeCloseException e) {
          throw new IllegalStateException(e);
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      scrape = out.toString(StandardCharsets.UTF_8);
    }
    return scrape;
  }
}
