package org.connectome.cli;

import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.util.Optional;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.RunRecord;
import org.connectome.workflows.WorkflowIds;

/** A run named on the command line ({@code sample/run}), found in the catalog. */
final class RunRef {
  private RunRef() {}

  /** The run's catalog record, or empty after printing why. */
  static Optional<RunRecord> find(Catalog catalog, String runId) {
    if (!runId.contains("/")) {
      System.err.println(
          "'" + runId + "' is not a run: name it as SAMPLE/RUN (see 'connectome status')");
      return Optional.empty();
    }
    Optional<RunRecord> r = catalog.findRun(runId);
    if (r.isEmpty()) {
      System.err.println("no run " + runId + " in the catalog (see 'connectome status')");
    }
    return r;
  }

  /** Whether the run's workflow is open on the Temporal cluster. */
  static boolean isRunning(WorkflowClient client, String runId) {
    try {
      var resp =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(client.getOptions().getNamespace())
                      .setExecution(
                          WorkflowExecution.newBuilder().setWorkflowId(WorkflowIds.forRunId(runId)))
                      .build());
      return resp.getWorkflowExecutionInfo().getStatus()
          == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        return false;
      }
      throw new Platform.PlatformException(
          "cannot ask Temporal about " + runId + ": " + e.getStatus(), e);
    }
  }
}
