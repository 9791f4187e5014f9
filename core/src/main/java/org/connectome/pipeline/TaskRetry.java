package org.connectome.pipeline;

import java.time.Duration;
import java.util.List;

/**
 * A resolved retry policy for the tasks of one step.
 *
 * @param maxAttempts attempts per task, the first included
 * @param initialBackoff wait before the second attempt
 * @param backoffMultiplier growth of the wait per attempt
 * @param maxBackoff longest wait
 * @param nonRetryableExitCodes exit codes that fail a task at once, besides the platform's own
 */
public record TaskRetry(
    int maxAttempts,
    Duration initialBackoff,
    double backoffMultiplier,
    Duration maxBackoff,
    List<Integer> nonRetryableExitCodes) {

  public TaskRetry {
    nonRetryableExitCodes = List.copyOf(nonRetryableExitCodes);
  }

  /** Wait before attempt {@code attempt} (2 for the first retry). */
  public Duration backoffBefore(int attempt) {
    if (attempt <= 1) {
      return Duration.ZERO;
    }
    double ms = initialBackoff.toMillis() * Math.pow(backoffMultiplier, attempt - 2);
    return Duration.ofMillis((long) Math.min(ms, maxBackoff.toMillis()));
  }
}
