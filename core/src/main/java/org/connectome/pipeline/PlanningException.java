package org.connectome.pipeline;

/** A step's units cannot be sized: the message says what is missing and where to provide it. */
public class PlanningException extends Exception {
  private static final long serialVersionUID = 1L;

  public PlanningException(String message) {
    super(message);
  }
}
