package org.connectome.units;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A half-open range of unit (or task, or shard) indices {@code [from, to)}.
 *
 * @param from first index
 * @param to one past the last index
 */
public record UnitRange(long from, long to) implements Comparable<UnitRange> {
  public UnitRange {
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("bad range [" + from + ", " + to + ")");
    }
  }

  public static UnitRange of(long from, long to) {
    return new UnitRange(from, to);
  }

  public static UnitRange single(long index) {
    return new UnitRange(index, index + 1);
  }

  public long size() {
    return to - from;
  }

  @JsonIgnore
  public boolean isEmpty() {
    return to == from;
  }

  public boolean contains(long index) {
    return index >= from && index < to;
  }

  public boolean overlaps(UnitRange other) {
    return from < other.to && other.from < to;
  }

  public UnitRange intersect(UnitRange other) {
    long f = Math.max(from, other.from);
    long t = Math.min(to, other.to);
    return t <= f ? new UnitRange(f, f) : new UnitRange(f, t);
  }

  @Override
  public int compareTo(UnitRange o) {
    int c = Long.compare(from, o.from);
    return c != 0 ? c : Long.compare(to, o.to);
  }

  /**
   * {@code 12} for a single index, {@code 12-15} for {@code [12, 16)} (inclusive ends, as people
   * read them).
   */
  @Override
  public String toString() {
    return size() == 1 ? Long.toString(from) : from + "-" + (to - 1);
  }
}
