package org.connectome.workflows.samplerun;

import java.util.List;
import org.connectome.activities.FailedUnits;
import org.connectome.catalog.StageState;

/**
 * A stage's state in the run.
 *
 * @param stage stage id
 * @param state where the stage is
 * @param resumes automatic resumes so far
 * @param unitsTotal units of the stage's finished steps
 * @param unitsDone of those, units done
 * @param unitsFailed of those, units failed within budget
 * @param failures failed unit ranges with errors (bounded)
 * @param error why the stage failed, or null
 */
public record StageOutcome(
    String stage,
    StageState state,
    int resumes,
    long unitsTotal,
    long unitsDone,
    long unitsFailed,
    List<FailedUnits> failures,
    String error) {
  /** A stage not begun yet. */
  static StageOutcome pending(String stage) {
    return new StageOutcome(stage, StageState.PENDING, 0, 0, 0, 0, List.of(), null);
  }

  StageOutcome withState(StageState s, String why) {
    return new StageOutcome(stage, s, resumes, unitsTotal, unitsDone, unitsFailed, failures, why);
  }
}
