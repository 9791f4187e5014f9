package org.connectome.ingest;

/** Why a tile was quarantined. */
public enum BadTileReason {
  /** Listed in the coordinate file, no file on disk. */
  MISSING,
  /** The file is empty. */
  EMPTY,
  /** Not a readable image: bad magic, header or pixel format. */
  UNREADABLE,
  /** Shorter than its header says: the write was cut off. */
  TRUNCATED,
  /** Width or height differ from the section's tiles. */
  WRONG_SIZE,
  /** The coordinate-file line names no usable tile (malformed, coordinates not finite). */
  BAD_COORDINATES,
  /** The line's path leaves the section folder, or names a tile of another section. */
  OUTSIDE_SECTION,
  /** Not a regular file (a FIFO, a socket, a device, a folder): refused without opening it. */
  NOT_A_FILE,
  /** The file could not be read (I/O error). */
  IO_ERROR,
  /**
   * Not bad: an older acquisition of a re-imaged tile, replaced by the newest. Not counted as bad.
   */
  SUPERSEDED,
  /** Not bad: a line repeating the very file an earlier line names. Not counted as bad. */
  DUPLICATE;

  /** The codes of the reasons that do not count against a section's bad-tile limit. */
  public static final java.util.Set<String> NOT_BAD =
      java.util.Set.of(SUPERSEDED.code(), DUPLICATE.code());

  public String code() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
