package org.connectome.workflows;

/**
 * Workflow IDs derived from what identifies a run, so that launching the same run twice finds the
 * first launch instead of starting a second one.
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

  /**
   * The child workflow of one step: {@code <run workflow>/<stage>.<step>/<relaunch>.<resume>},
   * unique per launch of the run and automatic resume of the stage, and derived from the workflow's
   * input only (so replays of recorded histories find the same IDs).
   */
  public static String forStep(
      String runWorkflowId, int relaunch, String stage, String step, int resume) {
    return forStep(runWorkflowId, relaunch, stage, step, resume, 0);
  }

  /**
   * As {@link #forStep(String, int, String, String, int)}, after {@code repairs} repairs of missing
   * inputs in this launch ({@code .../<relaunch>.<resume>.r<repairs>}): a step run again to restore
   * what another step reads gets a new ID.
   */
  public static String forStep(
      String runWorkflowId, int relaunch, String stage, String step, int resume, int repairs) {
    return runWorkflowId
        + "/"
        + stage
        + "."
        + step
        + "/"
        + relaunch
        + "."
        + resume
        + (repairs == 0 ? "" : ".r" + repairs);
  }
}
