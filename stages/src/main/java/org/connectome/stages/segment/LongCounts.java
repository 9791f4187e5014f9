package org.connectome.stages.segment;

import java.util.Arrays;

/**
 * A map from {@code long} keys to {@code long} counts with open addressing: counting voxels per
 * label or per label pair over millions of voxels without boxing. Key {@link #EMPTY} ({@code
 * Long.MIN_VALUE}) is reserved.
 */
public final class LongCounts {
  /** The reserved key that marks an empty slot. */
  public static final long EMPTY = Long.MIN_VALUE;

  private long[] keys;
  private long[] values;
  private int size;

  public LongCounts() {
    this(64);
  }

  public LongCounts(int expected) {
    int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    keys = new long[cap];
    values = new long[cap];
    Arrays.fill(keys, EMPTY);
  }

  /** Adds {@code n} to the count of {@code key}. */
  public void add(long key, long n) {
    if (key == EMPTY) {
      throw new IllegalArgumentException("key " + EMPTY + " is reserved");
    }
    int i = slot(key);
    if (keys[i] == EMPTY) {
      keys[i] = key;
      values[i] = n;
      if (++size * 2 > keys.length) {
        grow();
      }
    } else {
      values[i] += n;
    }
  }

  /** Sets the value of {@code key}. */
  public void put(long key, long value) {
    if (key == EMPTY) {
      throw new IllegalArgumentException("key " + EMPTY + " is reserved");
    }
    int i = slot(key);
    if (keys[i] == EMPTY) {
      keys[i] = key;
      values[i] = value;
      if (++size * 2 > keys.length) {
        grow();
      }
    } else {
      values[i] = value;
    }
  }

  /** The count of {@code key}, 0 when absent. */
  public long get(long key) {
    return getOrDefault(key, 0);
  }

  public long getOrDefault(long key, long fallback) {
    int i = slot(key);
    return keys[i] == EMPTY ? fallback : values[i];
  }

  public boolean containsKey(long key) {
    return keys[slot(key)] != EMPTY;
  }

  public int size() {
    return size;
  }

  /** Calls {@code f} for every entry, in no particular order. */
  public void forEach(Entry f) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != EMPTY) {
        f.accept(keys[i], values[i]);
      }
    }
  }

  /** The keys, sorted ascending (signed order). */
  public long[] sortedKeys() {
    long[] out = new long[size];
    int n = 0;
    for (long k : keys) {
      if (k != EMPTY) {
        out[n++] = k;
      }
    }
    Arrays.sort(out);
    return out;
  }

  /** One entry. */
  @FunctionalInterface
  public interface Entry {
    void accept(long key, long value);
  }

  private int slot(long key) {
    int mask = keys.length - 1;
    int i = (int) mix(key) & mask;
    while (keys[i] != EMPTY && keys[i] != key) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private void grow() {
    long[] ok = keys;
    long[] ov = values;
    keys = new long[ok.length * 2];
    values = new long[ok.length * 2];
    Arrays.fill(keys, EMPTY);
    for (int i = 0; i < ok.length; i++) {
      if (ok[i] != EMPTY) {
        int s = slot(ok[i]);
        keys[s] = ok[i];
        values[s] = ov[i];
      }
    }
  }

  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
