package org.connectome.executor;

import java.time.Duration;

/**
 * The end of one task after all its attempts in one shard execution.
 *
 * @param task task index
 * @param attempts attempts made
 * @param failure the last attempt's failure, or null when the task succeeded
 * @param logTail the end of the failed attempt's log, or null
 * @param duration time of the last attempt
 */
public record TaskResult(
    long task, int attempts, TaskFailure failure, String logTail, Duration duration) {
  public boolean succeeded() {
    return failure == null;
  }
}
