package org.connectome.executor;

/** Why a task attempt failed, as far as the executor can tell. */
public enum FailureKind {
  /** Some units failed in a way that may pass on retry. */
  UNITS_FAILED,
  /** Some units failed on their input; retrying will not help. */
  UNITS_FAILED_PERMANENTLY,
  /** The task could not start: bad step definition or arguments. */
  BAD_DEFINITION,
  /** The task process crashed (uncaught exception, unexpected exit code). */
  CRASHED,
  /** The task ran out of memory (JVM heap, or the container's limit: OOMKilled). */
  OUT_OF_MEMORY,
  /** The task was killed by a signal it did not send itself. */
  KILLED,
  /** The pod was evicted or preempted (node pressure, disruption). */
  EVICTED,
  /** The node running the pod went away. */
  NODE_LOST,
  /** The task's launcher went away and the task stopped itself. */
  ORPHANED,
  /** The task ran longer than allowed. */
  TIMEOUT,
  /** The container image cannot be pulled. */
  IMAGE_PULL,
  /** The pod cannot be configured (missing ConfigMap or Secret, bad volume). */
  CONFIG_ERROR,
  /** The executor could not start the task at all. */
  LAUNCH_FAILED,
  /**
   * A facility's program exited 0 without leaving a declared output ({@code container.outputs}).
   */
  OUTPUT_MISSING,
  /** An exit code the spec lists as not retryable. */
  NON_RETRYABLE_EXIT_CODE
}
