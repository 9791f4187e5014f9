package org.connectome.executor;

import java.util.List;

/**
 * Runs the tasks of a shard somewhere: as processes or threads on this machine, or as one
 * Kubernetes Indexed Job. Nothing above this interface knows which. Each task is retried per the
 * step's retry policy (like a Job's {@code backoffLimitPerIndex}); a task that runs again reruns
 * only its units without a valid marker.
 */
public interface StageExecutor extends AutoCloseable {
  /**
   * Runs {@code request}'s tasks until each has succeeded or failed for good, and returns one
   * result per task. Blocks. Interrupting the calling thread stops the shard's tasks (processes
   * killed, Jobs deleted) and throws {@link InterruptedException}.
   *
   * @throws ExecutorException when the executor itself fails (not a task): the caller retries the
   *     shard
   */
  List<TaskResult> runShard(ShardRequest request, ShardListener listener)
      throws InterruptedException, ExecutorException;

  /** A short description for logs, for example {@code local (process, 2 slots)}. */
  String describe();

  @Override
  default void close() {}
}
