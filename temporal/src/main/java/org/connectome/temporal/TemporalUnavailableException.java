package org.connectome.temporal;

/**
 * Temporal cannot be used: no server binary, a server that does not start, a cluster that cannot be
 * reached or a connection setting that is wrong. The message is one line naming what failed.
 */
public final class TemporalUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TemporalUnavailableException(String message) {
    super(message);
  }

  public TemporalUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
