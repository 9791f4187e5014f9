package org.connectome.pipeline;

/** A box of voxels, {@code [start, end)} on each axis. */
public record Box(Vec3 start, Vec3 end) {
  public Vec3 size() {
    return new Vec3(end.x() - start.x(), end.y() - start.y(), end.z() - start.z());
  }

  /** Neuroglancer's chunk name form: {@code x0-x1_y0-y1_z0-z1}. */
  public String chunkName() {
    return start.x() + "-" + end.x() + "_" + start.y() + "-" + end.y() + "_" + start.z() + "-"
        + end.z();
  }
}
