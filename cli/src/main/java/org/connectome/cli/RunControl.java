package org.connectome.cli;

import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.connectome.pipeline.Pipeline;
import org.connectome.workflows.WorkflowIds;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.client.WorkerIdentity;
import org.connectome.workflows.client.WorkflowExecutions;
import org.connectome.workflows.samplerun.SampleRunWorkflow;

/**
 * The one way the command line controls and inspects a run, whichever Temporal it is on: signals to
 * the run's workflow, its execution as Temporal describes it, and the workers polling the
 * orchestration queue.
 */
final class RunControl {
  /**
   * A poller seen this recently may still be long-polling (a poll lasts up to about 70 s); older
   * ones are gone.
   */
  static final Duration POLLER_FRESH = Duration.ofSeconds(90);

  private final WorkflowClient client;

  RunControl(WorkflowClient client) {
    this.client = client;
  }

  /** The run's latest workflow execution, or empty when Temporal has no history of it. */
  Optional<WorkflowExecutionInfo> execution(String runId) {
    try {
      return WorkflowExecutions.describe(
              client,
              WorkflowExecution.newBuilder().setWorkflowId(WorkflowIds.forRunId(runId)).build())
          .map(r -> r.getWorkflowExecutionInfo());
    } catch (StatusRuntimeException e) {
      throw new Platform.PlatformException(
          "cannot ask Temporal about " + runId + ": " + e.getStatus(), e);
    }
  }

  boolean isRunning(String runId) {
    return execution(runId)
        .map(i -> i.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)
        .orElse(false);
  }

  /** Signals the run's workflow. */
  void send(String runId, ControlAction action, String reason) {
    SampleRunWorkflow wf = new RunLauncher(client).workflow(runId);
    switch (action) {
      case PAUSE -> wf.pause();
      case RESUME -> wf.resume();
      case APPROVE -> wf.approve();
      case CANCEL -> wf.cancel(reason);
      case RETRY_FAILED -> wf.retryFailed();
    }
  }

  /**
   * The workers serving the orchestration queue now: their identities. A poller of this host whose
   * process is gone is dead at once; others count while seen within {@link #POLLER_FRESH}.
   */
  List<String> liveWorkers() {
    Set<String> out = new LinkedHashSet<>();
    Instant fresh = Instant.now().minus(POLLER_FRESH);
    for (TaskQueueType type :
        List.of(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)) {
      List<PollerInfo> pollers;
      try {
        pollers =
            client
                .getWorkflowServiceStubs()
                .blockingStub()
                .describeTaskQueue(
                    DescribeTaskQueueRequest.newBuilder()
                        .setNamespace(client.getOptions().getNamespace())
                        .setTaskQueue(TaskQueue.newBuilder().setName(Pipeline.DEFAULT_TASK_QUEUE))
                        .setTaskQueueType(type)
                        .build())
                .getPollersList();
      } catch (StatusRuntimeException e) {
        pollers = List.of();
      }
      for (PollerInfo p : pollers) {
        Instant seen =
            Instant.ofEpochSecond(
                p.getLastAccessTime().getSeconds(), p.getLastAccessTime().getNanos());
        if (!WorkerIdentity.isDeadLocal(p.getIdentity()) && seen.isAfter(fresh)) {
          out.add(p.getIdentity());
        }
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * What Temporal says of a run, one line for {@code status}: its workflow's state and, for a
   * running one, whether a worker serves it.
   */
  String describe(String runId) {
    Optional<WorkflowExecutionInfo> e = execution(runId);
    if (e.isEmpty()) {
      return "no workflow on this Temporal (its history is gone: 'connectome resume "
          + runId
          + "' relaunches it from its completion markers)";
    }
    String state = e.get().getStatus().name().substring("WORKFLOW_EXECUTION_STATUS_".length());
    if (e.get().getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      return state;
    }
    List<String> workers = liveWorkers();
    return workers.isEmpty()
        ? state
            + ", NO LIVE WORKER: nothing works on it until 'connectome resume "
            + runId
            + "' (or a 'connectome worker') serves it"
        : state + ", workers " + String.join(", ", workers);
  }
}
