package org.connectome.units;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Helpers for lists of {@link UnitRange}: normalising, parsing and printing compact range lists.
 */
public final class Ranges {
  private Ranges() {}

  /** Sorts and merges overlapping or adjacent ranges; drops empty ones. */
  public static List<UnitRange> normalize(List<UnitRange> ranges) {
    List<UnitRange> sorted = new ArrayList<>();
    for (UnitRange r : ranges) {
      if (!r.isEmpty()) {
        sorted.add(r);
      }
    }
    sorted.sort(null);
    List<UnitRange> out = new ArrayList<>();
    for (UnitRange r : sorted) {
      if (!out.isEmpty() && out.get(out.size() - 1).to() >= r.from()) {
        UnitRange last = out.remove(out.size() - 1);
        out.add(new UnitRange(last.from(), Math.max(last.to(), r.to())));
      } else {
        out.add(r);
      }
    }
    return out;
  }

  /** Total number of indices in (normalised) ranges. */
  public static long count(List<UnitRange> ranges) {
    long n = 0;
    for (UnitRange r : ranges) {
      n += r.size();
    }
    return n;
  }

  /** The ranges of indices in {@code within} for which {@code member} holds. */
  public static List<UnitRange> where(UnitRange within, LongPredicate member) {
    List<UnitRange> out = new ArrayList<>();
    long start = -1;
    for (long i = within.from(); i < within.to(); i++) {
      if (member.test(i)) {
        if (start < 0) {
          start = i;
        }
      } else if (start >= 0) {
        out.add(new UnitRange(start, i));
        start = -1;
      }
    }
    if (start >= 0) {
      out.add(new UnitRange(start, within.to()));
    }
    return out;
  }

  /**
   * The ranges of clear bits of {@code set} (bit {@code i} stands for index {@code offset + i}) in
   * {@code within}.
   */
  public static List<UnitRange> clear(BitSet set, long offset, UnitRange within) {
    return where(within, i -> !set.get((int) (i - offset)));
  }

  /**
   * Caps a normalised list at {@code maxRanges} by merging across the smallest gaps, so a list
   * stays small enough for a workflow payload; the result covers every index of the input (and
   * possibly more).
   */
  public static List<UnitRange> coarsen(List<UnitRange> normalized, int maxRanges) {
    List<UnitRange> out = new ArrayList<>(normalized);
    while (out.size() > maxRanges) {
      int best = 1;
      long bestGap = Long.MAX_VALUE;
      for (int i = 1; i < out.size(); i++) {
        long gap = out.get(i).from() - out.get(i - 1).to();
        if (gap < bestGap) {
          bestGap = gap;
          best = i;
        }
      }
      UnitRange a = out.get(best - 1);
      UnitRange b = out.remove(best);
      out.set(best - 1, new UnitRange(a.from(), b.to()));
    }
    return out;
  }

  /** {@code 0-9,12,20-29}: the form the CLI, logs and {@code CX_TASKS} use. */
  public static String format(List<UnitRange> ranges) {
    StringBuilder b = new StringBuilder();
    for (UnitRange r : ranges) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(r);
    }
    return b.toString();
  }

  /**
   * Parses the output of {@link #format}; throws {@link IllegalArgumentException} naming the bad
   * part.
   */
  public static List<UnitRange> parse(String text) {
    List<UnitRange> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(",")) {
      String p = part.trim();
      try {
        int dash = p.indexOf('-');
        if (dash < 0) {
          out.add(UnitRange.single(Long.parseLong(p)));
        } else {
          long a = Long.parseLong(p.substring(0, dash));
          long b = Long.parseLong(p.substring(dash + 1));
          if (b < a) {
            throw new IllegalArgumentException("range '" + p + "' ends before it starts");
          }
          out.add(new UnitRange(a, b + 1));
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + p + "' is not an index or a range like 3-7");
      }
    }
    return out;
  }

  /** The {@code k}-th index (0-based) of a normalised range list. */
  public static long nth(List<UnitRange> ranges, long k) {
    long left = k;
    for (UnitRange r : ranges) {
      if (left < r.size()) {
        return r.from() + left;
      }
      left -= r.size();
    }
    throw new IndexOutOfBoundsException("index " + k + " beyond " + count(ranges) + " entries");
  }
}
