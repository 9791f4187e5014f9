package org.connectome.pipeline;

/**
 * Sizes a step's unit space from the sample and the earlier steps' outputs (igneous style: the
 * planner that cuts the work is separate from the task that runs it). Planners are pure functions
 * of their inputs, so planning the same step twice gives the same units, which is what lets markers
 * from an earlier attempt count.
 */
public interface StepPlanner {
  /**
   * Units per task when the spec sets none: a few minutes of work for the reference implementation.
   */
  int defaultUnitsPerTask();

  /** The parameters the planner reads (block sizes and overlaps), whatever runs the step. */
  default java.util.List<org.connectome.spec.Param<?>> params() {
    return java.util.List.of();
  }

  /** The step's units for this run. */
  UnitSpace plan(StepConfig step, SampleFacts facts) throws PlanningException;
}
