package org.connectome.stages.synapses;

/**
 * The in-plane Gaussian smoothing the detector and its grey levels share (edges repeat the border
 * voxel).
 */
final class Smoothing {
  private Smoothing() {}

  /**
   * Smooths one section: {@code nx * ny} bytes of {@code src} from {@code offset} (x fastest) into
   * {@code out}.
   */
  static void gaussian(byte[] src, int offset, int nx, int ny, double sigma, float[] out) {
    int r = Math.max(1, (int) Math.ceil(3 * sigma));
    float[] k = new float[2 * r + 1];
    double sum = 0;
    for (int i = -r; i <= r; i++) {
      k[i + r] = (float) Math.exp(-i * i / (2 * sigma * sigma));
      sum += k[i + r];
    }
    for (int i = 0; i < k.length; i++) {
      k[i] /= (float) sum;
    }
    float[] tmp = new float[nx * ny];
    for (int y = 0; y < ny; y++) {
      int row = offset + y * nx;
      for (int x = 0; x < nx; x++) {
        float a = 0;
        for (int i = -r; i <= r; i++) {
          int xx = x + i < 0 ? 0 : (x + i >= nx ? nx - 1 : x + i);
          a += k[i + r] * (src[row + xx] & 0xff);
        }
        tmp[y * nx + x] = a;
      }
    }
    for (int y = 0; y < ny; y++) {
      for (int x = 0; x < nx; x++) {
        float a = 0;
        for (int i = -r; i <= r; i++) {
          int yy = y + i < 0 ? 0 : (y + i >= ny ? ny - 1 : y + i);
          a += k[i + r] * tmp[yy * nx + x];
        }
        out[y * nx + x] = a;
      }
    }
  }
}
