package org.connectome.activities;

import org.connectome.units.UnitRange;

/**
 * Units that failed for good, with the last error seen for them.
 *
 * @param units unit index range
 * @param error the last error, one line (long errors are cut)
 * @param retryable whether a later resume may succeed (false: bad input or configuration)
 */
public record FailedUnits(UnitRange units, String error, boolean retryable) {
  /** Longest error text kept, so failure lists stay small in workflow payloads. */
  public static final int MAX_ERROR_CHARS = 600;

  public static FailedUnits of(UnitRange units, String error, boolean retryable) {
    String e = error == null ? "unknown error" : error.strip();
    if (e.length() > MAX_ERROR_CHARS) {
      e = e.substring(0, MAX_ERROR_CHARS) + "...";
    }
    return new FailedUnits(units, e, retryable);
  }
}
