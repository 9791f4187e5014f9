package org.connectome.catalog;

/** Lifecycle of a stage of a run. */
public enum StageState {
  PENDING,
  RUNNING,
  PAUSED,
  WAITING_TO_RESUME,
  DONE,
  DONE_WITH_FAILURES,
  FAILED,
  CANCELLED;

  public boolean isTerminal() {
    return this == DONE || this == DONE_WITH_FAILURES || this == FAILED || this == CANCELLED;
  }
}
