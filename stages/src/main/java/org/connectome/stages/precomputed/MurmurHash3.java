package org.connectome.stages.precomputed;

/**
 * MurmurHash3_x86_128 (seed 0) of a uint64 in little-endian byte order, as the {@code
 * murmurhash3_x86_128} sharding hash uses it: the low 8 bytes of the 16-byte hash as a
 * little-endian uint64.
 */
public final class MurmurHash3 {
  private static final int C1 = 0x239b961b;
  private static final int C2 = 0xab0e9789;
  private static final int C3 = 0x38b34ae5;
  private static final int C4 = 0xa1e38b93;

  private MurmurHash3() {}

  public static long x86_128Low64(long key) {
    // 8 bytes: no full 16-byte block, a tail of 8 bytes: k1 (bytes 0-3) and k2 (bytes 4-7)
    int h1 = 0;
    int h2 = 0;
    int h3 = 0;
    int h4 = 0;
    int k2 = (int) (key >>> 32);
    k2 *= C2;
    k2 = Integer.rotateLeft(k2, 16);
    k2 *= C3;
    h2 ^= k2;
    int k1 = (int) key;
    k1 *= C1;
    k1 = Integer.rotateLeft(k1, 15);
    k1 *= C2;
    h1 ^= k1;
    int len = 8;
    h1 ^= len;
    h2 ^= len;
    h3 ^= len;
    h4 ^= len;
    h1 += h2;
    h1 += h3;
    h1 += h4;
    h2 += h1;
    h3 += h1;
    h4 += h1;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h3 = fmix(h3);
    h4 = fmix(h4);
    h1 += h2;
    h1 += h3;
    h1 += h4;
    h2 += h1;
    // h3, h4 make the high 8 bytes, which the sharding hash drops
    return (h1 & 0xffffffffL) | ((long) h2 << 32);
  }

  private static int fmix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
