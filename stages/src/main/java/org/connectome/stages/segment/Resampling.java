package org.connectome.stages.segment;

import org.connectome.stages.precomputed.ByteVolume;

/**
 * The network reads sections at the pixel size it was trained on ({@code model.json}'s {@code
 * pixelSizeNm}, 8 nm for the shipped model): finer sections are shrunk by an integer factor before
 * the prediction and the prediction is scaled back to the subvolume's own voxels, where fragments
 * and agglomeration run at full resolution. On the ISBI 2012 stack (4 nm pixels) the network read
 * at its own 4 nm saw twice-too-large cells and their organelles as cells (VI 1.2 bits section by
 * section, against 0.9 read at 8 nm).
 */
final class Resampling {
  private Resampling() {}

  /**
   * The mean of every {@code f x f x fz} box of imaged voxels (0 = not imaged: a box without any
   * imaged voxel is not imaged); partial boxes at the far edges average what they hold.
   */
  static ByteVolume shrink(ByteVolume image, int f, int fz) {
    int nx = image.sx();
    int ny = image.sy();
    int nz = image.sz();
    int mx = (nx + f - 1) / f;
    int my = (ny + f - 1) / f;
    int mz = (nz + fz - 1) / fz;
    int[] sum = new int[mx * my * mz];
    int[] count = new int[mx * my * mz];
    byte[] in = image.data();
    for (int z = 0; z < nz; z++) {
      for (int y = 0; y < ny; y++) {
        int row = (z * ny + y) * nx;
        int to = ((z / fz) * my + y / f) * mx;
        for (int x = 0; x < nx; x++) {
          int v = in[row + x] & 0xff;
          if (v != 0) {
            sum[to + x / f] += v;
            count[to + x / f]++;
          }
        }
      }
    }
    byte[] out = new byte[sum.length];
    for (int i = 0; i < out.length; i++) {
      // at least 1: a box with imaged voxels stays imaged
      out[i] = count[i] == 0 ? 0 : (byte) Math.max(1, Math.round((float) sum[i] / count[i]));
    }
    return new ByteVolume(mx, my, mz, 1, out);
  }

  /**
   * The prediction of a shrunk volume at the voxels of the {@code nx x ny x nz} one: bilinear in
   * each section (pixel centres aligned), each section taking its box's section in z.
   */
  static AffinityModel.Prediction grow(
      AffinityModel.Prediction low, int nx, int ny, int nz, int f, int fz) {
    return new AffinityModel.Prediction(
        nx,
        ny,
        nz,
        grow(low.boundary(), low.nx(), low.ny(), nx, ny, nz, f, fz),
        grow(low.zAffinity(), low.nx(), low.ny(), nx, ny, nz, f, fz));
  }

  private static float[] grow(float[] low, int mx, int my, int nx, int ny, int nz, int f, int fz) {
    float[] out = new float[nx * ny * nz];
    int[] x0 = new int[nx];
    float[] wx = new float[nx];
    for (int x = 0; x < nx; x++) {
      float s = Math.max(0, (x + 0.5f) / f - 0.5f);
      x0[x] = Math.min((int) s, mx - 1);
      wx[x] = x0[x] + 1 < mx ? s - x0[x] : 0;
    }
    for (int z = 0; z < nz; z++) {
      int lz = z / fz;
      for (int y = 0; y < ny; y++) {
        float s = Math.max(0, (y + 0.5f) / f - 0.5f);
        int y0 = Math.min((int) s, my - 1);
        float wy = y0 + 1 < my ? s - y0 : 0;
        int r0 = (lz * my + y0) * mx;
        int r1 = wy > 0 ? r0 + mx : r0;
        int o = (z * ny + y) * nx;
        for (int x = 0; x < nx; x++) {
          int a = x0[x];
          int b = wx[x] > 0 ? a + 1 : a;
          float top = low[r0 + a] + wx[x] * (low[r0 + b] - low[r0 + a]);
          float bottom = low[r1 + a] + wx[x] * (low[r1 + b] - low[r1 + a]);
          out[o + x] = top + wy * (bottom - top);
        }
      }
    }
    return out;
  }
}
