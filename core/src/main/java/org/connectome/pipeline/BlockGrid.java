package org.connectome.pipeline;

/**
 * A volume cut into blocks (or FFN subvolumes) of {@code blockSize}; unit index {@code i} is block
 * {@code (i mod gx, (i / gx) mod gy, i / (gx gy))}, x fastest like Neuroglancer chunks. Each
 * block's box grows by {@code overlap} on every side (clipped to the volume), which is what makes
 * subvolume segmentation reconcilable and meshes seamless.
 *
 * @param volume volume size in voxels
 * @param blockSize block size in voxels
 * @param overlap context added on each side of each block
 */
public record BlockGrid(Vec3 volume, Vec3 blockSize, Vec3 overlap) {
  public BlockGrid {
    if (blockSize.x() < 1 || blockSize.y() < 1 || blockSize.z() < 1) {
      throw new IllegalArgumentException("block size must be positive, not " + blockSize);
    }
  }

  public Vec3 gridSize() {
    return new Vec3(
        ceil(volume.x(), blockSize.x()),
        ceil(volume.y(), blockSize.y()),
        ceil(volume.z(), blockSize.z()));
  }

  public long blockCount() {
    return gridSize().volume();
  }

  /** Grid coordinates of block {@code index}. */
  public Vec3 position(long index) {
    Vec3 g = gridSize();
    if (index < 0 || index >= g.volume()) {
      throw new IndexOutOfBoundsException("block " + index + " out of " + g.volume());
    }
    return new Vec3(index % g.x(), (index / g.x()) % g.y(), index / (g.x() * g.y()));
  }

  /** The block's own voxels, without overlap. */
  public Box core(long index) {
    Vec3 p = position(index);
    Vec3 s = new Vec3(p.x() * blockSize.x(), p.y() * blockSize.y(), p.z() * blockSize.z());
    Vec3 e =
        new Vec3(
            Math.min(volume.x(), s.x() + blockSize.x()),
            Math.min(volume.y(), s.y() + blockSize.y()),
            Math.min(volume.z(), s.z() + blockSize.z()));
    return new Box(s, e);
  }

  /** The block's voxels with overlap, clipped to the volume. */
  public Box withOverlap(long index) {
    Box c = core(index);
    Vec3 s =
        new Vec3(
            Math.max(0, c.start().x() - overlap.x()),
            Math.max(0, c.start().y() - overlap.y()),
            Math.max(0, c.start().z() - overlap.z()));
    Vec3 e =
        new Vec3(
            Math.min(volume.x(), c.end().x() + overlap.x()),
            Math.min(volume.y(), c.end().y() + overlap.y()),
            Math.min(volume.z(), c.end().z() + overlap.z()));
    return new Box(s, e);
  }

  private static long ceil(long a, long b) {
    return (a + b - 1) / b;
  }
}
