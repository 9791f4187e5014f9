package org.connectome.catalog;

/** Lifecycle of a run. */
public enum RunState {
  PENDING,
  RUNNING,
  PAUSED,
  DONE,
  FAILED,
  CANCELLED;

  public boolean isTerminal() {
    return this == DONE || this == FAILED || this == CANCELLED;
  }
}
