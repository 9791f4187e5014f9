package org.connectome.workflows.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import java.util.Optional;

/** A workflow execution as the server describes it (state, pending children and activities). */
public final class WorkflowExecutions {
  private WorkflowExecutions() {}

  /**
   * The execution's description, or empty when the server has no history of it.
   *
   * @throws StatusRuntimeException for any other answer (the server unreachable, ...)
   */
  public static Optional<DescribeWorkflowExecutionResponse> describe(
      WorkflowClient client, WorkflowExecution execution) {
    try {
      return Optional.of(
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(client.getOptions().getNamespace())
                      .setExecution(execution)
                      .build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
