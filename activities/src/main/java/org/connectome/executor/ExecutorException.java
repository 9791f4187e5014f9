package org.connectome.executor;

/**
 * The executor failed (not a task): the API server is unreachable, a process cannot be forked, and
 * so on.
 */
public class ExecutorException extends Exception {
  private static final long serialVersionUID = 1L;

  public ExecutorException(String message, Throwable cause) {
    super(message, cause);
  }

  public ExecutorException(String message) {
    super(message);
  }
}
