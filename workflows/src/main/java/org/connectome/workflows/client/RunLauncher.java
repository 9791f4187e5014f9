package org.connectome.workflows.client;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import org.connectome.pipeline.Pipeline;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.RunSearchAttributes;
import org.connectome.workflows.WorkflowIds;
import org.connectome.workflows.WorkflowTuning;
import org.connectome.workflows.samplerun.SampleRunInput;
import org.connectome.workflows.samplerun.SampleRunWorkflow;

/**
 * Starts sample runs idempotently: the workflow ID comes from sample and run name, and a launch
 * that finds the run already running attaches to it instead of starting a second one.
 */
public final class RunLauncher {
  private final WorkflowClient client;
  private final String taskQueue;

  public RunLauncher(WorkflowClient client, String taskQueue) {
    this.client = client;
    this.taskQueue = taskQueue;
  }

  public RunLauncher(WorkflowClient client) {
    this(client, Pipeline.DEFAULT_TASK_QUEUE);
  }

  /**
   * A launched or found run.
   *
   * @param execution the run's workflow execution
   * @param started true if this call started it, false if it was running already
   */
  public record Launch(WorkflowExecution execution, boolean started) {}

  /**
   * Starts the run unless it is running; a finished run starts again and finds its work already
   * marked.
   */
  public Launch launch(RunSpec spec, int relaunch, WorkflowTuning tuning) {
    String id = WorkflowIds.forRun(spec.sample(), spec.run());
    SampleRunWorkflow wf =
        client.newWorkflowStub(
            SampleRunWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(taskQueue)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .setWorkflowIdConflictPolicy(
                    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .setTypedSearchAttributes(RunSearchAttributes.atLaunch(spec.sample(), spec.run()))
                .build());
    try {
      WorkflowExecution e =
          WorkflowClient.start(wf::run, new SampleRunInput(spec, relaunch, tuning));
      return new Launch(e, true);
    } catch (WorkflowExecutionAlreadyStarted e) {
      return new Launch(e.getExecution(), false);
    }
  }

  /** An untyped stub of the run's latest execution, to wait for its result. */
  public WorkflowStub stub(String sample, String run) {
    return client.newUntypedWorkflowStub(WorkflowIds.forRun(sample, run));
  }

  /** A typed stub of the run's latest execution, to signal or query it. */
  public SampleRunWorkflow workflow(String runId) {
    return client.newWorkflowStub(SampleRunWorkflow.class, WorkflowIds.forRunId(runId));
  }
}
