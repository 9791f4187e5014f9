package org.connectome.stages.precomputed;

import java.util.ArrayList;
import java.util.List;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;

/**
 * The chunk grid of one scale: chunk {@code g} covers {@code [offset + g * chunk, offset + min((g +
 * 1) * chunk, size))} on each axis, so the last chunk of an axis is clipped to the volume, and is
 * stored as {@code <key>/x0-x1_y0-y1_z0-z1} (absolute voxel coordinates).
 */
public final class ChunkGrid {
  private final long[] size;
  private final long[] offset;
  private final int[] chunk;

  public ChunkGrid(VolumeInfo.Scale scale) {
    this.size = scale.size();
    this.offset = scale.voxelOffset();
    this.chunk = scale.chunkSize();
  }

  /** Chunks per axis. */
  public Vec3 gridSize() {
    return new Vec3(ceil(size[0], chunk[0]), ceil(size[1], chunk[1]), ceil(size[2], chunk[2]));
  }

  /** The volume's box in absolute voxel coordinates. */
  public Box bounds() {
    return new Box(
        new Vec3(offset[0], offset[1], offset[2]),
        new Vec3(offset[0] + size[0], offset[1] + size[1], offset[2] + size[2]));
  }

  /** The box of chunk {@code (gx, gy, gz)}, clipped to the volume. */
  public Box chunk(long gx, long gy, long gz) {
    long[] g = {gx, gy, gz};
    long[] s = new long[3];
    long[] e = new long[3];
    for (int i = 0; i < 3; i++) {
      if (g[i] < 0 || g[i] >= ceil(size[i], chunk[i])) {
        throw new IndexOutOfBoundsException(
            "chunk " + gx + "," + gy + "," + gz + " outside grid " + gridSize());
      }
      s[i] = offset[i] + g[i] * chunk[i];
      e[i] = offset[i] + Math.min((g[i] + 1) * chunk[i], size[i]);
    }
    return new Box(new Vec3(s[0], s[1], s[2]), new Vec3(e[0], e[1], e[2]));
  }

  /** The chunks that intersect {@code region} (absolute coordinates), x fastest. */
  public List<Box> chunksIntersecting(Box region) {
    long[] rs = {region.start().x(), region.start().y(), region.start().z()};
    long[] re = {region.end().x(), region.end().y(), region.end().z()};
    long[] g0 = new long[3];
    long[] g1 = new long[3];
    for (int i = 0; i < 3; i++) {
      long s = Math.max(rs[i], offset[i]) - offset[i];
      long e = Math.min(re[i], offset[i] + size[i]) - offset[i];
      if (e <= s) {
        return List.of();
      }
      g0[i] = s / chunk[i];
      g1[i] = ceil(e, chunk[i]);
    }
    List<Box> out = new ArrayList<>();
    for (long z = g0[2]; z < g1[2]; z++) {
      for (long y = g0[1]; y < g1[1]; y++) {
        for (long x = g0[0]; x < g1[0]; x++) {
          out.add(chunk(x, y, z));
        }
      }
    }
    return out;
  }

  /**
   * Whether {@code region} is a union of whole chunks: each start on a chunk boundary and each end
   * on a chunk boundary or at the end of the volume.
   */
  public boolean isChunkAligned(Box region) {
    long[] rs = {region.start().x(), region.start().y(), region.start().z()};
    long[] re = {region.end().x(), region.end().y(), region.end().z()};
    for (int i = 0; i < 3; i++) {
      long s = rs[i] - offset[i];
      long e = re[i] - offset[i];
      if (s < 0 || e > size[i] || s % chunk[i] != 0 || (e % chunk[i] != 0 && e != size[i])) {
        return false;
      }
    }
    return true;
  }

  /** The chunk file name {@code x0-x1_y0-y1_z0-z1}. */
  public static String name(Box chunk) {
    return chunk.chunkName();
  }

  private static long ceil(long a, long b) {
    return (a + b - 1) / b;
  }
}
