package org.connectome.activities.planning;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Sizes a step before its shards are dispatched, and checks what it left undone afterwards. */
@ActivityInterface
public interface PlanningActivities {
  /**
   * Plans a step: sizes its units from the sample, writes the step definition tasks read, counts
   * the units that already have valid markers, registers the step in the catalog, and returns which
   * shards still have work.
   */
  @ActivityMethod
  PlanStepOutput planStep(PlanStepInput input);

  /** Of a streaming step's candidate shards, the ones whose units are all ready at their source. */
  @ActivityMethod
  ReadyShardsOutput readyShards(ReadyShardsInput input);

  /** Counts the step's units with valid markers and lists the missing ones as ranges. */
  @ActivityMethod
  SummarizeStepOutput summarizeStep(SummarizeStepInput input);
}
