package org.connectome.workflows.samplerun;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One sample run: the run's steps as a graph (each starts once the steps it reads are done), each
 * step as a child {@code StepWorkflow}. A stage that fails is resumed on its own after a backoff,
 * up to the spec's limit, dispatching only units without a valid marker; a stage that misses a
 * quality-control gate holds the run for review. The workflow ID is derived from sample and run
 * name (see {@code WorkflowIds}), so a second launch of the same run finds the first.
 */
@WorkflowInterface
public interface SampleRunWorkflow {
  @WorkflowMethod
  SampleRunResult run(SampleRunInput input);

  /** Stops dispatching new shards (shards in flight finish) and starts no new step. */
  @SignalMethod
  void pause();

  /** Undoes {@link #pause()}, and releases a run held for review. */
  @SignalMethod
  void resume();

  /**
   * Releases a run held for review by a missed quality-control gate: an operator looked and goes
   * on. Recorded as an approval.
   */
  @SignalMethod
  void approve();

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
