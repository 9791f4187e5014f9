package org.connectome.executor;

/**
 * How a task attempt ended, as the executor observed it, before classification.
 *
 * @param exitCode exit code of the process or container, or -1 when it never ran or the code is
 *     unknown
 * @param reason the platform's reason when it has one (Kubernetes: {@code OOMKilled}, {@code
 *     Evicted}, {@code ImagePullBackOff}, {@code DeadlineExceeded}, {@code DisruptionTarget} ...),
 *     else null
 * @param message the platform's message, else null
 */
public record Termination(int exitCode, String reason, String message) {
  public static Termination exit(int code) {
    return new Termination(code, null, null);
  }
}
