package org.connectome.activities;

import org.connectome.units.UnitRange;

/**
 * Units that failed for good, with the last error seen for them.
 *
 * @param units unit index range
 * @param error the last error, one line (long errors are cut)
 * @param retryable whether a later resume may succeed (false: bad input or configuration)
 * @param missingInput when the units failed because a file an earlier step wrote is missing: that
 *     file, relative to the run folder (the run repairs the steps that write it); else null
 */
public record FailedUnits(UnitRange units, String error, boolean retryable, String missingInput) {
  /** Longest error text kept, so failure lists stay small in workflow payloads. */
  public static final int MAX_ERROR_CHARS = 600;

  public FailedUnits(UnitRange units, String error, boolean retryable) {
    this(units, error, retryable, null);
  }

  public static FailedUnits of(UnitRange units, String error, boolean retryable) {
    return of(units, error, retryable, null);
  }

  public static FailedUnits of(
      UnitRange units, String error, boolean retryable, String missingInput) {
    String e = error == null ? "unknown error" : error.strip();
    if (e.length() > MAX_ERROR_CHARS) {
      e = e.substring(0, MAX_ERROR_CHARS) + "...";
    }
    return new FailedUnits(units, e, retryable, missingInput);
  }

  /** The same failure for {@code other} units. */
  public FailedUnits withUnits(UnitRange other) {
    return new FailedUnits(other, error, retryable, missingInput);
  }
}
