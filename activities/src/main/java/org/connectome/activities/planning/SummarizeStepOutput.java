package org.connectome.activities.planning;

import java.util.List;
import org.connectome.units.UnitRange;

/**
 * @param unitsDone units with a valid marker
 * @param unitsMissing units without one
 * @param missingRanges the missing units as ranges (at most {@link #MAX_RANGES}, coarsened beyond)
 */
public record SummarizeStepOutput(
    long unitsDone, long unitsMissing, List<UnitRange> missingRanges) {
  public static final int MAX_RANGES = 100;
}
