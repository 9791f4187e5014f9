package org.connectome.task;

import org.connectome.units.UnitRange;

/**
 * Units that failed in one task attempt, with the error.
 *
 * @param units the failed units (consecutive units with the same error are one range)
 * @param error what went wrong, one line
 * @param retryable whether another attempt may succeed
 */
public record UnitFailure(UnitRange units, String error, boolean retryable) {}
