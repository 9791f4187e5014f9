package org.connectome.workflows.client;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflow.v1.PendingChildExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.WorkflowClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.connectome.workflows.WorkflowIds;

/**
 * Shards whose worker process died on this host. Temporal notices a dead worker only when its
 * shard's heartbeat times out (minutes, see {@code WorkflowTuning}); a worker that comes back on
 * the same machine knows better: the process named by the shard's last worker identity is gone.
 * Failing those shards (a retryable failure) lets their retry start now. Units the dead worker
 * finished carry completion markers, so the retry runs only the rest.
 */
public final class OrphanedShards {
  private final WorkflowClient client;

  public OrphanedShards(WorkflowClient client) {
    this.client = client;
  }

  /** A shard activity found orphaned, and released. */
  public record Released(String workflowId, String activityId, String deadWorker) {}

  /** Releases the orphaned shards of a run's open step workflows. */
  public List<Released> release(String runId) {
    List<Released> out = new ArrayList<>();
    Optional<DescribeWorkflowExecutionResponse> run =
        describe(WorkflowExecution.newBuilder().setWorkflowId(WorkflowIds.forRunId(runId)).build());
    if (run.isEmpty()) {
      return out;
    }
    List<WorkflowExecution> open = new ArrayList<>();
    open.add(run.get().getWorkflowExecutionInfo().getExecution());
    for (PendingChildExecutionInfo c : run.get().getPendingChildrenList()) {
      open.add(
          WorkflowExecution.newBuilder()
              .setWorkflowId(c.getWorkflowId())
              .setRunId(c.getRunId())
              .build());
    }
    ActivityCompletionClient completion = client.newActivityCompletionClient();
    for (WorkflowExecution wf : open) {
      Optional<DescribeWorkflowExecutionResponse> d =
          wf.equals(run.get().getWorkflowExecutionInfo().getExecution()) ? run : describe(wf);
      if (d.isEmpty()) {
        continue;
      }
      for (PendingActivityInfo a : d.get().getPendingActivitiesList()) {
        if (a.getState() != PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            || !WorkerIdentity.isDeadLocal(a.getLastWorkerIdentity())) {
          continue;
        }
        try {
          completion.completeExceptionally(
              wf.getWorkflowId(),
              Optional.of(wf.getRunId()),
              a.getActivityId(),
              new WorkerGone(a.getLastWorkerIdentity()));
          out.add(new Released(wf.getWorkflowId(), a.getActivityId(), a.getLastWorkerIdentity()));
        } catch (ActivityCompletionException e) {
          // it ended or was retried meanwhile: nothing to release
        }
      }
    }
    return out;
  }

  private Optional<DescribeWorkflowExecutionResponse> describe(WorkflowExecution e) {
    return WorkflowExecutions.describe(client, e)
        .filter(
            r ->
                r.getWorkflowExecutionInfo().getStatus()
                    == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
  }

  /** The failure a released shard reports: its worker is gone; the retry policy retries it. */
  static final class WorkerGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WorkerGone(String worker) {
      super("the worker process " + worker + " that ran this shard is gone");
    }
  }
}
