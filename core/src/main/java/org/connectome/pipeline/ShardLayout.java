package org.connectome.pipeline;

import java.util.Locale;

/**
 * How the chunks of one precomputed scale are grouped into {@code neuroglancer_uint64_sharded_v1}
 * shard files, and the rule that chooses it from the scale's size.
 *
 * <p>A chunk's key is the compressed Morton code of its grid position (Neuroglancer's volume.md);
 * with the identity hash the low {@code preshiftBits + minishardBits} bits of the key select a
 * chunk within its shard and the next {@code shardBits} bits name the shard. The low bits of a
 * compressed Morton code interleave x, y and z (skipping an axis once its grid is exhausted), so a
 * shard is an aligned box of {@link #shardChunks} chunks: one unit of work writes one shard file
 * whole, and the shards of a scale are a {@link BlockGrid} of those boxes.
 *
 * <p>The rule ({@link #choose}): a shard holds the largest power of two of chunks whose
 * uncompressed bytes stay within {@code shardBytes} (at most all chunks of the scale); a minishard
 * holds at most {@link #MAX_CHUNKS_PER_MINISHARD} chunks (its index is 24 bytes per chunk, fetched
 * whole by a reader), with at most 2^{@link #MAX_MINISHARD_BITS} minishards (a shard index of 8
 * KiB); every remaining bit of the Morton code is a shard bit. So the number of shard files is
 * about the scale's uncompressed size divided by {@code shardBytes}.
 *
 * @param grid chunks per axis of the scale
 * @param preshiftBits low key bits ignored by the hash: chunks per minishard = 2^preshiftBits
 * @param minishardBits minishards per shard = 2^minishardBits
 * @param shardBits shard files = 2^shardBits at most (only those with chunks are written)
 * @param shardChunks the box of chunks one shard covers
 */
public record ShardLayout(
    Vec3 grid, int preshiftBits, int minishardBits, int shardBits, Vec3 shardChunks) {
  /** Chunks listed in one minishard index at most. */
  public static final int MAX_CHUNKS_PER_MINISHARD = 1024;

  /** Minishards per shard at most: 2^9 entries of 16 bytes make an 8 KiB shard index. */
  public static final int MAX_MINISHARD_BITS = 9;

  /**
   * The layout for a scale of {@code grid} chunks of {@code chunkBytes} uncompressed bytes, with
   * shards of at most {@code shardBytes} uncompressed bytes.
   */
  public static ShardLayout choose(Vec3 grid, long chunkBytes, long shardBytes) {
    if (chunkBytes < 1 || shardBytes < 1) {
      throw new IllegalArgumentException("chunk and shard bytes must be positive");
    }
    int total = bits(grid.x()) + bits(grid.y()) + bits(grid.z());
    if (total > 64) {
      throw new IllegalArgumentException(
          "a grid of " + grid + " chunks needs " + total + " Morton bits, more than 64");
    }
    int perShard = 63 - Long.numberOfLeadingZeros(Math.max(1, shardBytes / chunkBytes));
    perShard = Math.min(perShard, total);
    int perMinishard = 31 - Integer.numberOfLeadingZeros(MAX_CHUNKS_PER_MINISHARD);
    int minishard = Math.min(MAX_MINISHARD_BITS, Math.max(0, perShard - perMinishard));
    int preshift = perShard - minishard;
    return new ShardLayout(grid, preshift, minishard, total - perShard, box(grid, perShard));
  }

  /** Bits of the compressed Morton codes of {@code grid}: the codes lie in {@code [0, 2^bits)}. */
  public static int mortonBits(Vec3 grid) {
    return bits(grid.x()) + bits(grid.y()) + bits(grid.z());
  }

  /**
   * The grid cell whose compressed Morton code is {@code code} ({@link #mortonCode} undone), or
   * null for a code of no cell (a grid that is not a power of two per axis leaves gaps).
   */
  public static Vec3 mortonPosition(Vec3 grid, long code) {
    long[] g = {grid.x(), grid.y(), grid.z()};
    long[] p = new long[3];
    int j = 0;
    for (int i = 0; i < 64; i++) {
      boolean any = false;
      for (int d = 0; d < 3; d++) {
        if ((1L << i) < g[d]) {
          p[d] |= ((code >>> j) & 1L) << i;
          j++;
          any = true;
        }
      }
      if (!any) {
        break;
      }
    }
    if (j < 64 && code >>> j != 0) {
      return null;
    }
    return p[0] < g[0] && p[1] < g[1] && p[2] < g[2] ? new Vec3(p[0], p[1], p[2]) : null;
  }

  /** Bits of a compressed Morton code along an axis of {@code n} cells. */
  static int bits(long n) {
    return n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
  }

  /** The box of chunks spanned by the low {@code lowBits} bits of the compressed Morton code. */
  static Vec3 box(Vec3 grid, int lowBits) {
    long[] g = {grid.x(), grid.y(), grid.z()};
    long[] b = {1, 1, 1};
    int j = 0;
    for (int i = 0; j < lowBits && i < 64; i++) {
      for (int d = 0; d < 3 && j < lowBits; d++) {
        if ((1L << i) < g[d]) {
          b[d] *= 2;
          j++;
        }
      }
    }
    return new Vec3(b[0], b[1], b[2]);
  }

  /**
   * The compressed Morton code of grid cell {@code (x, y, z)} in a grid of {@code grid} cells
   * (Neuroglancer's volume.md: bit {@code i} of each axis that still has cells beyond {@code 2^i},
   * x before y before z).
   */
  public static long mortonCode(Vec3 grid, long x, long y, long z) {
    long[] g = {grid.x(), grid.y(), grid.z()};
    long[] p = {x, y, z};
    long code = 0;
    int j = 0;
    for (int i = 0; i < 64; i++) {
      boolean any = false;
      for (int d = 0; d < 3; d++) {
        if ((1L << i) < g[d]) {
          code |= ((p[d] >>> i) & 1L) << j;
          j++;
          any = true;
        }
      }
      if (!any) {
        break;
      }
    }
    return code;
  }

  /** The shard file number of the chunk with Morton code {@code key} (identity hash). */
  public long shardOf(long key) {
    long hashed = key >>> preshiftBits;
    return shardBits == 0 ? 0 : (hashed >>> minishardBits) & ((1L << shardBits) - 1);
  }

  /** The minishard of {@code key} within its shard (identity hash). */
  public long minishardOf(long key) {
    return (key >>> preshiftBits) & ((1L << minishardBits) - 1);
  }

  /** The shard boxes of the scale, x fastest; unit {@code i} writes shard box {@code i}. */
  public Vec3 shardGrid() {
    return new Vec3(
        ceilDiv(grid.x(), shardChunks.x()),
        ceilDiv(grid.y(), shardChunks.y()),
        ceilDiv(grid.z(), shardChunks.z()));
  }

  /** Shard files written: the boxes that hold at least one chunk. */
  public long shardFiles() {
    return shardGrid().volume();
  }

  /** Chunks of a full shard. */
  public long chunksPerShard() {
    return shardChunks.volume();
  }

  /** The file name of shard {@code shard}: lower-case hex, zero padded to ceil(shardBits/4). */
  public String fileName(long shard) {
    int digits = (shardBits + 3) / 4;
    String hex = Long.toHexString(shard);
    StringBuilder b = new StringBuilder();
    for (int i = hex.length(); i < digits; i++) {
      b.append('0');
    }
    return b.append(hex).append(".shard").toString();
  }

  /** One line for plans: {@code 6 shards of 8x8x1 chunks (preshift 6, minishard 0, shard 3)}. */
  public String describe() {
    return String.format(
        Locale.ROOT,
        "%d shard files of %s chunks (preshift %d, minishard %d, shard %d bits)",
        shardFiles(),
        shardChunks,
        preshiftBits,
        minishardBits,
        shardBits);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
