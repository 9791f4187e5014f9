package org.connectome.workflows.step;

import java.util.List;
import org.connectome.activities.FailedUnits;

/**
 * Details of a failed step, attached to its failure so that the run workflow can decide whether to
 * resume.
 *
 * @param unitsFailed units without a valid marker
 * @param allowance units the failure budget allowed
 * @param failures the failed ranges with their last errors
 * @param retryable whether any failure may pass on a later attempt
 */
public record StepFailureDetails(
    long unitsFailed, long allowance, List<FailedUnits> failures, boolean retryable) {
  /** The failure type of a step that failed beyond its budget. */
  public static final String TYPE = "StepFailed";
}
