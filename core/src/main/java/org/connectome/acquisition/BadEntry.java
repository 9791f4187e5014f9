package org.connectome.acquisition;

/**
 * A coordinate-file line that names no usable tile.
 *
 * @param line 1-based line number
 * @param text the line as written (cut to 200 characters)
 * @param reason what is wrong
 * @param kind what kind of problem, for the quarantine's reason code
 */
public record BadEntry(int line, String text, String reason, Kind kind) {
  /** What is wrong with a line. */
  public enum Kind {
    /** Not four columns, not a tile name, coordinates not numbers or not finite. */
    MALFORMED,
    /** The path leaves the section folder, or names a tile of another section. */
    OUTSIDE_SECTION
  }

  public BadEntry(int line, String text, String reason) {
    this(line, text, reason, Kind.MALFORMED);
  }
}
