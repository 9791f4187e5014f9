package org.connectome.imaging;

import java.io.IOException;

/**
 * A file that is not a readable 8-bit BMP. The message names the file and what is wrong with it,
 * for example {@code 001_000001_003_2021-05-25T2146499297643.bmp: truncated: expected 58422 bytes,
 * found 31000}.
 */
public final class BmpException extends IOException {
  private static final long serialVersionUID = 1L;

  /** What is wrong, for reports and quarantine reasons. */
  public enum Kind {
    /** The file does not start with {@code BM}. */
    BAD_MAGIC,
    /** The file is shorter than its headers say it must be. */
    TRUNCATED,
    /**
     * A valid BMP of a kind this codec does not read (bits per pixel, compression, header version).
     */
    UNSUPPORTED,
    /**
     * Header fields that contradict each other or are impossible (zero width, offset inside the
     * header).
     */
    MALFORMED
  }

  private final Kind kind;
  private final String file;
  private final String reason;

  public BmpException(Kind kind, String file, String reason) {
    super(file + ": " + reason);
    this.kind = kind;
    this.file = file;
    this.reason = reason;
  }

  public Kind kind() {
    return kind;
  }

  /** The file (or the name given for an in-memory buffer). */
  public String file() {
    return file;
  }

  /**
   * The reason without the file name, e.g. {@code truncated: expected 58422 bytes, found 31000}.
   */
  public String reason() {
    return reason;
  }
}
