package org.connectome.stages.mesh;

import java.util.Arrays;

/**
 * A map from non-negative {@code long} keys to {@code int} values, open addressing with linear
 * probing: joining block meshes looks up every seam vertex by its grid position, where boxed {@code
 * HashMap} keys would dominate the time and the heap.
 */
final class LongIntMap {
  private static final long EMPTY = -1;
  private long[] keys;
  private int[] values;
  private int size;
  private int mask;

  LongIntMap(int expected) {
    int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    keys = new long[cap];
    Arrays.fill(keys, EMPTY);
    values = new int[cap];
    mask = cap - 1;
  }

  int size() {
    return size;
  }

  /** The value of {@code key}, or -1. */
  int get(long key) {
    int i = slot(key);
    while (true) {
      long k = keys[i];
      if (k == key) {
        return values[i];
      }
      if (k == EMPTY) {
        return -1;
      }
      i = (i + 1) & mask;
    }
  }

  /** The value of {@code key}; when absent, stores {@code value} and returns -1. */
  int putIfAbsent(long key, int value) {
    if (key < 0) {
      throw new IllegalArgumentException("negative key " + key);
    }
    int i = slot(key);
    while (true) {
      long k = keys[i];
      if (k == key) {
        return values[i];
      }
      if (k == EMPTY) {
        keys[i] = key;
        values[i] = value;
        if (++size * 2 > keys.length) {
          grow();
        }
        return -1;
      }
      i = (i + 1) & mask;
    }
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private void grow() {
    long[] ok = keys;
    int[] ov = values;
    keys = new long[ok.length * 2];
    Arrays.fill(keys, EMPTY);
    values = new int[ok.length * 2];
    mask = keys.length - 1;
    for (int j = 0; j < ok.length; j++) {
      if (ok[j] != EMPTY) {
        int i = slot(ok[j]);
        while (keys[i] != EMPTY) {
          i = (i + 1) & mask;
        }
        keys[i] = ok[j];
        values[i] = ov[j];
      }
    }
  }
}
