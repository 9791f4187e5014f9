package org.connectome.executor;

/**
 * A typed task failure.
 *
 * @param kind what kind of failure
 * @param retryable whether another attempt may succeed
 * @param exitCode the process or container exit code, or -1 when there was none
 * @param message one line for people, naming the cause
 */
public record TaskFailure(FailureKind kind, boolean retryable, int exitCode, String message) {}
