package org.connectome.task;

/**
 * Exit codes of a task process (or pod). The executor maps them, together with signals and pod
 * reasons, to typed failures in {@code FailureClassifier}.
 */
public final class TaskExitCodes {
  /** Every unit of the task is done. */
  public static final int OK = 0;

  /** The JVM's code for an uncaught exception: a bug or an environment problem; retried. */
  public static final int CRASHED = 1;

  /** {@code -XX:+ExitOnOutOfMemoryError}: the task ran out of heap; retried. */
  public static final int OUT_OF_MEMORY = 3;

  /**
   * Some units failed in a way that may pass on retry (I/O error, lost lock); the task is retried.
   */
  public static final int UNITS_FAILED = 10;

  /** Some units failed on their input (corrupt tile, bad data); retrying will not help. */
  public static final int UNITS_FAILED_PERMANENTLY = 11;

  /** The task could not start: bad step definition or arguments; retrying will not help. */
  public static final int BAD_DEFINITION = 12;

  /**
   * The process that launched the task went away; the task stopped so that no orphan keeps running.
   */
  public static final int ORPHANED = 13;

  private TaskExitCodes() {}
}
