package org.connectome.executor;

/**
 * What a running shard tells its caller. Called from executor threads; implementations must be
 * thread-safe.
 */
public interface ShardListener {
  /** A task attempt started. */
  default void taskStarted(long task, int attempt) {}

  /** A task attempt ended; {@code failure} is null when it succeeded. */
  default void taskAttemptEnded(
      long task, int attempt, TaskFailure failure, java.time.Duration duration) {}

  /** A task is finished for this shard execution: succeeded, or failed after its last attempt. */
  default void taskFinished(TaskResult result) {}
}
