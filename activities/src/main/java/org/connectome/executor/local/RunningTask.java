package org.connectome.executor.local;

import java.time.Duration;
import java.util.OptionalInt;

/** A started task attempt. */
public interface RunningTask {
  /**
   * Waits up to {@code timeout} for the task to end; returns its exit code, or empty if it is still
   * running.
   */
  OptionalInt waitFor(Duration timeout) throws InterruptedException;

  /** Stops the task: politely, then by force after {@code grace}. Returns once it has ended. */
  void stop(Duration grace);

  /** Process id, or -1 for in-process tasks. */
  long pid();
}
