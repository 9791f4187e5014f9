package org.connectome.ingest;

/**
 * A tile failed validation; Spring Batch skips it (up to the section's limit) and it is
 * quarantined.
 */
public class BadTileException extends Exception {
  private static final long serialVersionUID = 1L;
  private final BadTileReason reason;
  private final transient ResolvedTile tile;

  public BadTileException(ResolvedTile tile, BadTileReason reason, String detail) {
    super(detail);
    this.tile = tile;
    this.reason = reason;
  }

  public BadTileReason reason() {
    return reason;
  }

  public ResolvedTile tile() {
    return tile;
  }
}
