package org.connectome.workflows.samplerun;

import java.util.List;
import org.connectome.activities.FailedUnits;

/**
 * A stage's state in the run.
 *
 * @param stage stage id
 * @param state PENDING, RUNNING, PAUSED, WAITING_TO_RESUME, DONE, DONE_WITH_FAILURES, FAILED or
 *     CANCELLED
 * @param resumes automatic resumes so far
 * @param unitsTotal units of the stage's finished steps
 * @param unitsDone of those, units done
 * @param unitsFailed of those, units failed within budget
 * @param failures failed unit ranges with errors (bounded)
 * @param error why the stage failed, or null
 */
public record StageOutcome(
    String stage,
    String state,
    int resumes,
    long unitsTotal,
    long unitsDone,
    long unitsFailed,
    List<FailedUnits> failures,
    String error) {}
