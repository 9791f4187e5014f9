package org.connectome.catalog;

/** Lifecycle of a shard (one Indexed Job or one local batch). */
public enum ShardState {
  PENDING,
  RUNNING,
  DONE,
  FAILED;

  public boolean isTerminal() {
    return this == DONE || this == FAILED;
  }
}
