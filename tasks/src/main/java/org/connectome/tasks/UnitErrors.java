package org.connectome.tasks;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one place where whatever a unit threw becomes a unit failure: its one-line message, whether
 * another attempt may pass, and whether a file an earlier step wrote is missing (which no retry of
 * this step brings back; the step that wrote it must run again).
 */
public final class UnitErrors {
  private UnitErrors() {}

  /**
   * A classified unit failure.
   *
   * @param message one line
   * @param retryable whether another attempt may pass
   * @param missingInput the missing file relative to the run folder, when it lies in it; else null
   */
  public record Classified(String message, boolean retryable, String missingInput) {}

  /**
   * Classifies what {@code unit} threw.
   *
   * @param runDir the run folder: a missing file in it is another step's output
   */
  public static Classified classify(Throwable t, Path runDir) {
    NoSuchFileException missing = find(t, NoSuchFileException.class);
    String message = message(t);
    if (missing != null && missing.getFile() != null) {
      Path file = Path.of(missing.getFile()).toAbsolutePath().normalize();
      Path base = runDir == null ? null : runDir.toAbsolutePath().normalize();
      if (base != null && file.startsWith(base)) {
        String rel = base.relativize(file).toString().replace('\\', '/');
        return new Classified(
            message + " [input missing: " + rel + ", an output of an earlier step]", false, rel);
      }
      // a file outside the run (a tile of the acquisition) does not come back by retrying
      return new Classified(message, false, null);
    }
    if (t instanceof UnitException u) {
      return new Classified(message, u.retryable(), null);
    }
    // I/O errors, bugs and errors of the JVM (a stack overflow; heap exhausted under the thread
    // launcher) are retried per the policy; a unit failing so every time ends failed with its cause
    return new Classified(message, true, null);
  }

  private static String message(Throwable t) {
    if (t instanceof UnitException) {
      return t.getMessage();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  /** Whether {@code t} is an I/O failure (for logging the stack trace of what is not). */
  static boolean expected(Throwable t) {
    return t instanceof UnitException || t instanceof IOException;
  }
}
