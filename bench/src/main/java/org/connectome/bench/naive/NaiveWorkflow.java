package org.connectome.bench.naive;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The design many peers use, for comparison: one workflow for a step, one activity per unit, a
 * window of activities pending at once, no continue-as-new, the workflow tracking every unit.
 */
@WorkflowInterface
public interface NaiveWorkflow {
  /**
   * @param stepKey key of the step's in-memory markers
   * @param paramsHash hash the markers are written under
   * @param units units in the step
   * @param window activities pending at once (units when everything is started at once)
   */
  record Input(String stepKey, String paramsHash, long units, int window) {}

  record Result(long unitsDone, int maxPending) {}

  @WorkflowMethod
  Result run(Input input);
}
