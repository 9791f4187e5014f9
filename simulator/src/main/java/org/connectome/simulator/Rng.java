package org.connectome.simulator;

import java.util.SplittableRandom;

/**
 * Seeded randomness addressed by keys, so that any part of the simulation (a section, a tile, a
 * cell) draws the same numbers whatever order or thread computes it.
 */
final class Rng {
  private static final int NORMALS = 1 << 16;
  private static final float[] NORMAL_TABLE = new float[NORMALS];

  static {
    SplittableRandom r = new SplittableRandom(0x5EEDL);
    for (int i = 0; i < NORMALS; i++) {
      NORMAL_TABLE[i] = (float) r.nextGaussian();
    }
  }

  private Rng() {}

  /** SplitMix64's finaliser: a good 64-bit mix. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A key from a seed and any number of parts. */
  static long key(long seed, long... parts) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (long p : parts) {
      h = mix(h + 0x9E3779B97F4A7C15L + p);
    }
    return h;
  }

  /** A key for a named stream. */
  static long key(long seed, String stream, long... parts) {
    long h = key(seed, stream.hashCode());
    return key(h, parts);
  }

  /** A generator for a named stream. */
  static SplittableRandom random(long seed, String stream, long... parts) {
    return new SplittableRandom(key(seed, stream, parts));
  }

  /** Uniform in [-1, 1) from a hash. */
  static double signedUnit(long h) {
    return (h >>> 11) * 0x1.0p-52 - 1.0;
  }

  /** Uniform in [a, b). */
  static double uniform(SplittableRandom r, double a, double b) {
    return a + (b - a) * r.nextDouble();
  }

  /**
   * A fast stream of standard normal deviates (xorshift state indexing a fixed table of 65,536
   * deviates): good enough for detector noise, and the same on every machine.
   */
  static final class Normals {
    private long state;

    Normals(long seed) {
      state = mix(seed) | 1L;
    }

    float next() {
      long x = state;
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      state = x;
      return NORMAL_TABLE[(int) (x >>> 48)];
    }
  }
}
