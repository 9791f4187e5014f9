package org.connectome.executor.local;

import java.io.IOException;

/** Starts task attempts on this machine. */
public interface TaskLauncher {
  RunningTask launch(TaskLaunch launch) throws IOException;

  /** {@code process} or {@code thread}. */
  String name();
}
