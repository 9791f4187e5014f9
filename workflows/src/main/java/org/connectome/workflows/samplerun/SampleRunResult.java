package org.connectome.workflows.samplerun;

import java.util.List;

/**
 * @param runId {@code sample/run}
 * @param state DONE, FAILED or CANCELLED
 * @param stages every stage's outcome
 * @param error why the run failed or was cancelled, or null
 */
public record SampleRunResult(String runId, String state, List<StageOutcome> stages, String error) {
  public static final String DONE = "DONE";
  public static final String FAILED = "FAILED";
  public static final String CANCELLED = "CANCELLED";
}
