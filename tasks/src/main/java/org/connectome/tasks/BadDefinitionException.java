package org.connectome.tasks;

/** The task cannot start: its step definition, arguments or environment are wrong. Not retried. */
public class BadDefinitionException extends Exception {
  private static final long serialVersionUID = 1L;

  public BadDefinitionException(String message) {
    super(message);
  }

  public BadDefinitionException(String message, Throwable cause) {
    super(message, cause);
  }
}
