package org.connectome.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scales of a multi-scale precomputed volume and how the compress stage writes them: which
 * scales {@code compress.image} / {@code compress.segmentation} write from their input, which the
 * pyramid steps add one by one (each reading the scale below it), and whether each scale is
 * sharded. A pure function of the volume's size and the compress parameters, so the planners and
 * the task code compute the same thing.
 *
 * <p>Scales: scale {@code k + 1} halves an axis of scale {@code k} where {@code downsample} says 2
 * and that axis is still larger than one chunk, until every halving axis fits one chunk (or until
 * {@code scales} scales, when given). Unsharded, the compress steps write, within each block, every
 * scale at which the block still covers whole chunks (as before the full pyramid existed); sharded,
 * they write scale 0 only. The pyramid steps write the rest, a scale per step.
 *
 * <p>Sharding ({@code sharding}: {@code auto} (default), {@code always} or {@code never}): {@code
 * auto} shards a volume whose scale 0 is larger than {@code shardedAbove} uncompressed bytes
 * (default {@link #DEFAULT_SHARDED_ABOVE}); each sharded scale gets its own {@link ShardLayout}
 * with shards of at most {@code shardBytes} uncompressed bytes (default {@link
 * #DEFAULT_SHARD_BYTES}).
 *
 * @param levels every scale, 0 first
 * @param compressTop the highest scale the compress steps write
 * @param sharded whether the volume is sharded
 * @param shardBytes uncompressed bytes per shard at most
 * @param bytesPerVoxel bytes of a voxel (1 for the image, 8 for the segmentation)
 * @param chunk chunk size of every scale
 * @param blockSize block of the unsharded compress steps at scale 0
 */
public record PyramidPlan(
    List<Level> levels,
    int compressTop,
    boolean sharded,
    long shardBytes,
    int bytesPerVoxel,
    Vec3 chunk,
    Vec3 blockSize) {

  /** Volumes above this many uncompressed bytes at scale 0 are sharded by default: 16 MiB. */
  public static final long DEFAULT_SHARDED_ABOVE = 16L << 20;

  /** Uncompressed bytes of one shard at most, by default: 1 GiB. */
  public static final long DEFAULT_SHARD_BYTES = 1L << 30;

  static final Vec3 DEFAULT_CHUNK = new Vec3(64, 64, 16);
  static final Vec3 DEFAULT_DOWNSAMPLE = new Vec3(2, 2, 1);
  static final Vec3 DEFAULT_BLOCK = new Vec3(512, 512, 64);

  /**
   * One scale.
   *
   * @param index 0 for full resolution
   * @param size voxels
   * @param factor downsampling factor from scale 0 per axis
   */
  public record Level(int index, Vec3 size, Vec3 factor) {}

  public PyramidPlan {
    levels = List.copyOf(levels);
  }

  /**
   * The plan the task code of a step follows: as {@link #of}, with the block size of the step's
   * grid when the volume is unsharded (the planner made that grid from the same parameters).
   */
  public static PyramidPlan forGrid(BlockGrid grid, Map<String, Object> params, int bytesPerVoxel) {
    PyramidPlan p = of(grid.volume(), params, bytesPerVoxel);
    if (p.sharded() || grid.blockSize().equals(p.blockSize())) {
      return p;
    }
    Map<String, Object> q = new java.util.LinkedHashMap<>(params);
    Vec3 b = grid.blockSize();
    q.put("blockSize", List.of(b.x(), b.y(), b.z()));
    return of(grid.volume(), q, bytesPerVoxel);
  }

  /** The plan for a volume of {@code size} voxels with the compress stage's {@code params}. */
  public static PyramidPlan of(Vec3 size, Map<String, Object> params, int bytesPerVoxel) {
    Vec3 chunk = Planners.vec(params, "chunkSize", DEFAULT_CHUNK);
    Vec3 down = Planners.vec(params, "downsample", DEFAULT_DOWNSAMPLE);
    Vec3 block = Planners.vec(params, "blockSize", DEFAULT_BLOCK);
    Integer scales = params.get("scales") instanceof Number n ? n.intValue() : null;
    String mode = params.get("sharding") instanceof String s ? s : "auto";
    long above = bytes(params.get("shardedAbove"), DEFAULT_SHARDED_ABOVE);
    long shardBytes = bytes(params.get("shardBytes"), DEFAULT_SHARD_BYTES);
    boolean sharded =
        switch (mode) {
          case "always" -> true;
          case "never" -> false;
          default -> size.volume() * bytesPerVoxel > above;
        };
    List<Level> levels = new ArrayList<>();
    levels.add(new Level(0, size, new Vec3(1, 1, 1)));
    int compressTop = 0;
    if (!sharded) {
      // within a block, a constant factor while the block covers whole chunks (ScalePyramid)
      while (scales == null
          ? levels.get(levels.size() - 1).size().x() > chunk.x()
              || levels.get(levels.size() - 1).size().y() > chunk.y()
          : levels.size() < scales) {
        Vec3 f = levels.get(levels.size() - 1).factor();
        Vec3 nf = new Vec3(f.x() * down.x(), f.y() * down.y(), f.z() * down.z());
        if (!blockFits(block, chunk, nf)) {
          break;
        }
        levels.add(new Level(levels.size(), divide(size, nf), nf));
      }
      compressTop = levels.size() - 1;
    }
    while (scales == null || levels.size() < scales) {
      Level top = levels.get(levels.size() - 1);
      Vec3 s = top.size();
      long fx = down.x() > 1 && s.x() > chunk.x() ? 2 : 1;
      long fy = down.y() > 1 && s.y() > chunk.y() ? 2 : 1;
      long fz = down.z() > 1 && s.z() > chunk.z() ? 2 : 1;
      if (fx * fy * fz == 1) {
        break;
      }
      Vec3 nf = new Vec3(top.factor().x() * fx, top.factor().y() * fy, top.factor().z() * fz);
      levels.add(new Level(levels.size(), divide(size, nf), nf));
    }
    return new PyramidPlan(levels, compressTop, sharded, shardBytes, bytesPerVoxel, chunk, block);
  }

  /**
   * This plan, when the task code can follow it: unsharded, each block must write whole chunks (the
   * planner does not ask, since an implementation other than the reference may not write chunks at
   * all).
   *
   * @throws IllegalArgumentException naming both sizes otherwise
   */
  public PyramidPlan requireWholeChunks() {
    if (!sharded
        && (blockSize.x() % chunk.x() != 0
            || blockSize.y() % chunk.y() != 0
            || blockSize.z() % chunk.z() != 0)) {
      throw new IllegalArgumentException(
          "blockSize "
              + blockSize
              + " must be a multiple of the chunk size "
              + chunk
              + " (params.chunkSize) on every axis, so that each block writes whole chunks");
    }
    return this;
  }

  /** Scales the pyramid steps write: those above {@link #compressTop}. */
  public int pyramidLevels() {
    return levels.size() - 1 - compressTop;
  }

  /** The sharding of scale {@code level}, or null when the volume is unsharded. */
  public ShardLayout shardLayout(int level) {
    if (!sharded) {
      return null;
    }
    return ShardLayout.choose(grid(level), chunk.volume() * bytesPerVoxel, shardBytes);
  }

  /** Chunks per axis of scale {@code level}. */
  public Vec3 grid(int level) {
    Vec3 s = levels.get(level).size();
    return new Vec3(
        ceilDiv(s.x(), chunk.x()), ceilDiv(s.y(), chunk.y()), ceilDiv(s.z(), chunk.z()));
  }

  /**
   * The units of scale {@code level}: its shards when sharded, else blocks of {@code blockSize}
   * voxels of the scale itself.
   */
  public BlockGrid units(int level) {
    Vec3 size = levels.get(level).size();
    ShardLayout l = shardLayout(level);
    if (l != null) {
      Vec3 b = l.shardChunks();
      return new BlockGrid(
          size,
          new Vec3(b.x() * chunk.x(), b.y() * chunk.y(), b.z() * chunk.z()),
          new Vec3(0, 0, 0));
    }
    return new BlockGrid(size, blockSize, new Vec3(0, 0, 0));
  }

  /** One line for plans. */
  public String describe(int level) {
    Level l = levels.get(level);
    ShardLayout s = shardLayout(level);
    return String.format(
        Locale.ROOT,
        "scale %d of %d: %s voxels (x%d,%d,%d), %s",
        level,
        levels.size() - 1,
        l.size(),
        l.factor().x(),
        l.factor().y(),
        l.factor().z(),
        s == null ? "unsharded" : s.describe());
  }

  /**
   * Bytes from a parameter: an integer, or a string like {@code 4MiB}, {@code 512KiB}, {@code
   * 2GiB}.
   */
  public static long bytes(Object v, long fallback) {
    if (v == null) {
      return fallback;
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    String s = v.toString().trim();
    long unit = 1;
    for (String[] u : new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}}) {
      if (s.endsWith(u[0])) {
        unit = Long.parseLong(u[1]);
        s = s.substring(0, s.length() - u[0].length()).trim();
      }
    }
    try {
      return Math.multiplyExact(Long.parseLong(s), unit);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + v + "' is not a byte size (examples: 1048576, 512KiB, 4MiB, 1GiB)");
    }
  }

  private static boolean blockFits(Vec3 block, Vec3 chunk, Vec3 f) {
    long[] b = {block.x(), block.y(), block.z()};
    long[] c = {chunk.x(), chunk.y(), chunk.z()};
    long[] ff = {f.x(), f.y(), f.z()};
    for (int i = 0; i < 3; i++) {
      if (b[i] % ff[i] != 0 || (b[i] / ff[i]) % c[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static Vec3 divide(Vec3 s, Vec3 f) {
    return new Vec3(ceilDiv(s.x(), f.x()), ceilDiv(s.y(), f.y()), ceilDiv(s.z(), f.z()));
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
