package org.connectome.executor.local;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** How the local launchers stop a child process. */
final class Processes {
  private Processes() {}

  /**
   * Stops {@code p}: SIGTERM, then SIGKILL once {@code grace} has passed (or at once if this thread
   * is interrupted); returns once it is gone or 10 s after the SIGKILL.
   */
  static void stop(Process p, Duration grace) {
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
