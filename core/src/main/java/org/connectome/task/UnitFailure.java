package org.connectome.task;

import org.connectome.units.UnitRange;

/**
 * Units that failed in one task attempt, with the error.
 *
 * @param units the failed units (consecutive units with the same error are one range)
 * @param error what went wrong, one line
 * @param retryable whether another attempt may succeed
 * @param missingInput when the units failed because a file an earlier step wrote is missing: that
 *     file, relative to the run folder; else null
 */
public record UnitFailure(UnitRange units, String error, boolean retryable, String missingInput) {
  public UnitFailure(UnitRange units, String error, boolean retryable) {
    this(units, error, retryable, null);
  }
}
