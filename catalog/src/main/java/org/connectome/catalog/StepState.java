package org.connectome.catalog;

/** Lifecycle of a step of a stage. */
public enum StepState {
  PENDING,
  RUNNING,
  PAUSED,
  DONE,
  DONE_WITH_FAILURES,
  FAILED,
  CANCELLED;

  public boolean isTerminal() {
    return this == DONE || this == DONE_WITH_FAILURES || this == FAILED || this == CANCELLED;
  }
}
