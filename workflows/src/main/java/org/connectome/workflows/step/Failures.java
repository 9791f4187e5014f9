package org.connectome.workflows.step;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.connectome.activities.FailedUnits;
import org.connectome.units.UnitRange;

/** Bounded lists of failed unit ranges, so workflow state stays small however many units fail. */
public final class Failures {
  /** Ranges kept at most; beyond, neighbouring ranges merge (keeping the first error). */
  public static final int MAX_RANGES = 100;

  /**
   * Error text kept over all ranges; past it, each further range keeps only {@link #SHORT_ERROR}
   * characters. With {@link #MAX_RANGES} this keeps a step's carry far below Temporal's 256 KB
   * payload warning (RealServerTest measures the worst case on a real server).
   */
  public static final int MAX_TOTAL_ERROR_CHARS = 16_000;

  static final int SHORT_ERROR = 120;

  private Failures() {}

  public static List<FailedUnits> add(List<FailedUnits> list, List<FailedUnits> more) {
    List<FailedUnits> all = new ArrayList<>(list);
    all.addAll(more);
    all.sort(Comparator.comparing(FailedUnits::units));
    while (all.size() > MAX_RANGES) {
      int best = 1;
      long bestGap = Long.MAX_VALUE;
      for (int i = 1; i < all.size(); i++) {
        long gap = all.get(i).units().from() - all.get(i - 1).units().to();
        if (gap < bestGap) {
          bestGap = gap;
          best = i;
        }
      }
      FailedUnits a = all.get(best - 1);
      FailedUnits b = all.remove(best);
      all.set(
          best - 1,
          new FailedUnits(
              new UnitRange(a.units().from(), Math.max(a.units().to(), b.units().to())),
              a.error(),
              a.retryable() || b.retryable(),
              a.missingInput() != null ? a.missingInput() : b.missingInput()));
    }
    int budget = MAX_TOTAL_ERROR_CHARS;
    for (int i = 0; i < all.size(); i++) {
      FailedUnits f = all.get(i);
      int keep = Math.max(SHORT_ERROR, budget);
      if (f.error().length() > keep) {
        f = new FailedUnits(f.units(), f.error().substring(0, keep) + "...", f.retryable());
        all.set(i, f);
      }
      budget -= f.error().length();
    }
    return all;
  }

  /** A short report: at most {@code lines} ranges with their errors' first lines. */
  public static String summary(List<FailedUnits> failures, int lines) {
    StringBuilder b = new StringBuilder();
    int n = 0;
    for (FailedUnits f : failures) {
      if (n++ == lines) {
        b.append("\n  ... and ").append(failures.size() - lines).append(" more ranges");
        break;
      }
      String first = f.error().lines().findFirst().orElse("");
      b.append("\n  units ").append(f.units()).append(": ").append(first);
      if (!f.retryable()) {
        b.append(" [not retryable]");
      }
    }
    return b.toString();
  }
}
