package org.connectome.task;

/**
 * Environment variables of a task process: the same whether the local executor starts it or a
 * Kubernetes Indexed Job does, so the task entry point is one.
 */
public final class TaskEnv {
  /** The step's folder; the task reads {@code step.json} there. */
  public static final String STEP_DIR = "CX_STEP_DIR";

  /**
   * The tasks of the shard as a range list ({@code 0-99} or {@code 3,7,12-15}); index k runs the
   * k-th.
   */
  public static final String TASKS = "CX_TASKS";

  /** Set by Kubernetes for Indexed Jobs, and by the local executor likewise. */
  public static final String COMPLETION_INDEX = "JOB_COMPLETION_INDEX";

  /** Attempt of this task, from 1. */
  public static final String ATTEMPT = "CX_TASK_ATTEMPT";

  /** {@code stdin}: stop when standard input closes, that is when the launching process is gone. */
  public static final String PARENT_WATCHDOG = "CX_PARENT_WATCHDOG";

  /** Host or pod name for provenance. */
  public static final String HOST = "CX_HOST";

  private TaskEnv() {}
}
