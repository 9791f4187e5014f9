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
  /** The coordinate-file line names no usable tile. */
  BAD_COORDINATES,
  /** The file could not be read (I/O error). */
  IO_ERROR,
  /**
   * Not bad: an older acquisition of a re-imaged tile, replaced by the newest. Not counted as bad.
   */
  SUPERSEDED;

  public String code() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
