package org.connectome.simulator;

/**
 * Smooth 3D value noise in [-1, 1]: random values on a lattice of spacing {@code spacing} over a
 * box, interpolated with smoothstep weights. Outside the box the nearest lattice cell is extended.
 *
 * <p>Each partial derivative is at most {@code 3 / spacing} in magnitude, which bounds how far the
 * function moves between two points; the tissue model relies on that to prune candidates.
 */
final class LatticeNoise {
  private final double spacing;
  private final double inv;
  private final double ox;
  private final double oy;
  private final double oz;
  private final int nx;
  private final int ny;
  private final int nz;
  private final float[] values;

  LatticeNoise(
      long seed,
      double spacing,
      double minX,
      double minY,
      double minZ,
      double maxX,
      double maxY,
      double maxZ) {
    this.spacing = spacing;
    this.inv = 1.0 / spacing;
    this.ox = minX - spacing;
    this.oy = minY - spacing;
    this.oz = minZ - spacing;
    this.nx = (int) Math.ceil((maxX - ox) / spacing) + 3;
    this.ny = (int) Math.ceil((maxY - oy) / spacing) + 3;
    this.nz = (int) Math.ceil((maxZ - oz) / spacing) + 3;
    long n = (long) nx * ny * nz;
    if (n > 200_000_000L) {
      throw new IllegalArgumentException(
          "noise lattice too large: " + nx + " x " + ny + " x " + nz);
    }
    values = new float[(int) n];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) Rng.signedUnit(Rng.key(seed, i));
    }
  }

  /** Largest magnitude of a partial derivative. */
  double maxSlope() {
    return 3.0 / spacing;
  }

  double at(double x, double y, double z) {
    double fx = (x - ox) * inv;
    double fy = (y - oy) * inv;
    double fz = (z - oz) * inv;
    int ix = (int) Math.floor(fx);
    int iy = (int) Math.floor(fy);
    int iz = (int) Math.floor(fz);
    double tx = fx - ix;
    double ty = fy - iy;
    double tz = fz - iz;
    if (ix < 0) {
      ix = 0;
      tx = 0;
    } else if (ix > nx - 2) {
      ix = nx - 2;
      tx = 1;
    }
    if (iy < 0) {
      iy = 0;
      ty = 0;
    } else if (iy > ny - 2) {
      iy = ny - 2;
      ty = 1;
    }
    if (iz < 0) {
      iz = 0;
      tz = 0;
    } else if (iz > nz - 2) {
      iz = nz - 2;
      tz = 1;
    }
    double sx = tx * tx * (3 - 2 * tx);
    double sy = ty * ty * (3 - 2 * ty);
    double sz = tz * tz * (3 - 2 * tz);
    int i000 = (iz * ny + iy) * nx + ix;
    int i010 = i000 + nx;
    int i100 = i000 + nx * ny;
    int i110 = i100 + nx;
    double a = values[i000] + sx * (values[i000 + 1] - values[i000]);
    double b = values[i010] + sx * (values[i010 + 1] - values[i010]);
    double c = values[i100] + sx * (values[i100 + 1] - values[i100]);
    double d = values[i110] + sx * (values[i110 + 1] - values[i110]);
    double ab = a + sy * (b - a);
    double cd = c + sy * (d - c);
    return ab + sz * (cd - ab);
  }

  double spacing() {
    return spacing;
  }
}
