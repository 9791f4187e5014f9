package org.connectome.spec;

/**
 * One problem in a run specification.
 *
 * @param file the spec file (or the source name given to the loader)
 * @param line 1-based line of the offending field, or 0 when unknown
 * @param path the field, for example {@code stages[3].unitsPerTask}; empty for the whole document
 * @param message what is wrong, for example {@code must be > 0}
 */
public record SpecError(String file, int line, String path, String message) {
  /** {@code run.yaml:14: stages[3].unitsPerTask: must be > 0}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(file);
    if (line > 0) {
      b.append(':').append(line);
    }
    b.append(": ");
    if (!path.isEmpty()) {
      b.append(path).append(": ");
    }
    return b.append(message).toString();
  }
}
