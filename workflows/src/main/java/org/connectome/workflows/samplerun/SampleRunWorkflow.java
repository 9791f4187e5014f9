package org.connectome.workflows.samplerun;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One sample run: the run's stages in chain order, each step as a child {@code StepWorkflow}. A
 * stage that fails is resumed on its own after a backoff, up to the spec's limit, dispatching only
 * units without a valid marker. The workflow ID is derived from sample and run name (see {@code
 * WorkflowIds}), so a second launch of the same run finds the first.
 */
@WorkflowInterface
public interface SampleRunWorkflow {
  @WorkflowMethod
  SampleRunResult run(SampleRunInput input);

  /** Stops dispatching new shards (shards in flight finish) and starts no new step. */
  @SignalMethod
  void pause();

  /** Undoes {@link #pause()}. */
  @SignalMethod
  void resume();

  /**
   * Cancels the run: running tasks are stopped, the run ends as cancelled. Finished units stay
   * finished.
   */
  @SignalMethod
  void cancel(String reason);

  /**
   * Runs the units that failed so far once more, now (a stage waiting to resume resumes at once).
   */
  @SignalMethod
  void retryFailed();

  @QueryMethod
  RunProgress progress();
}
