package org.connectome.workflows.step;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One step of a run: plans it, dispatches its shards with a bounded window in flight, continues as
 * new before its history grows large, and ends with the step's counts, or fails with a report of
 * the unit ranges that failed beyond the failure budget. It never holds per-unit state: shards are
 * index ranges, progress is counts.
 */
@WorkflowInterface
public interface StepWorkflow {
  @WorkflowMethod
  StepResult run(StepInput input);

  /** Stops dispatching shards; shards in flight finish. */
  @SignalMethod
  void pause();

  /** Dispatches again after {@link #pause()}. */
  @SignalMethod
  void resume();

  /** Dispatches the shards holding the units that failed so far once more. */
  @SignalMethod
  void retryFailed();

  /** A streaming step's source is finished: every unit may be dispatched. */
  @SignalMethod
  void upstreamFinished();

  @QueryMethod
  StepProgress progress();
}
