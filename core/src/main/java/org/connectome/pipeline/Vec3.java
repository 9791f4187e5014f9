package org.connectome.pipeline;

import java.util.List;

/** Three non-negative voxel counts or coordinates (x, y, z). */
public record Vec3(long x, long y, long z) {
  public static Vec3 of(List<? extends Number> xyz) {
    return new Vec3(xyz.get(0).longValue(), xyz.get(1).longValue(), xyz.get(2).longValue());
  }

  public long volume() {
    return x * y * z;
  }

  @Override
  public String toString() {
    return x + "x" + y + "x" + z;
  }
}
