package org.connectome.workflows;

/**
 * Workflow IDs derived from what identifies a run, so that launching the same run twice finds the first
 * launch instead of starting a second one.
 */
public final class WorkflowIds {
  public static final String PREFIX = "connectome-run/";

  private WorkflowIds() {}

  /** {@code connectome-run/<sample>/<run>}. */
  public static String forRun(String sample, String run) {
    return PREFIX + sample + "/" + run;
  }

  /** {@code connectome-run/<sample>/<run>} from {@code sample/run}. */
  public static String forRunId(String runId) {
    return PREFIX + runId;
  }

  /** The child workflow of one step of one run execution; {@code resume} counts automatic resumes. */
  public static String forStep(String runWorkflowId, String runExecution, String stage, String step, int resume) {
    return runWorkflowId + "/" + stage + "." + step + "/" + runExecution + "-" + resume;
  }
}
