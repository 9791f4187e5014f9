package org.connectome.executor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.connectome.units.UnitRange;

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

  /**
   * Every task of {@code r} failed with {@code failure} without running (its shard could not
   * start); each is reported to {@code listener}.
   */
  public static List<TaskResult> allFailed(
      ShardRequest r, ShardListener listener, TaskFailure failure) {
    List<TaskResult> out = new ArrayList<>();
    for (UnitRange range : r.tasks()) {
      for (long t = range.from(); t < range.to(); t++) {
        TaskResult res = new TaskResult(t, 0, failure, null, Duration.ZERO);
        listener.taskFinished(res);
        out.add(res);
      }
    }
    return out;
  }
}
