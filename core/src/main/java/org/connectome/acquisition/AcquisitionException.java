package org.connectome.acquisition;

import java.nio.file.Path;

/**
 * The acquisition itself is unusable (not one tile of it): the message names the file and, when
 * known, the line.
 */
public class AcquisitionException extends Exception {
  private static final long serialVersionUID = 1L;

  public AcquisitionException(Path file, int line, String message) {
    super(file + (line > 0 ? ":" + line : "") + ": " + message);
  }
}
