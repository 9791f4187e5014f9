package org.connectome.tasks;

/** A unit failed; {@link #retryable()} says whether another attempt may succeed. */
public class UnitException extends Exception {
  private static final long serialVersionUID = 1L;
  private final boolean retryable;

  public UnitException(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  public UnitException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }
}
