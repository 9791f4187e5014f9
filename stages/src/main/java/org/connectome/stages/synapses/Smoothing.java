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
    float[] k = kernel(sigma);
    int r = k.length / 2;
    // each row padded with copies of its border voxels, so the inner loops have no edge tests;
    // the vertical pass adds whole rows (in the same order of taps as a per-voxel sum, so the
    // same floats come out)
    float[] tmp = new float[nx * ny];
    float[] padded = new float[nx + 2 * r];
    for (int y = 0; y < ny; y++) {
      int row = offset + y * nx;
      for (int x = 0; x < padded.length; x++) {
        int xx = x - r < 0 ? 0 : (x - r >= nx ? nx - 1 : x - r);
        padded[x] = src[row + xx] & 0xff;
      }
      int o = y * nx;
      for (int x = 0; x < nx; x++) {
        float a = 0;
        for (int i = 0; i < k.length; i++) {
          a += k[i] * padded[x + i];
        }
        tmp[o + x] = a;
      }
    }
    for (int y = 0; y < ny; y++) {
      int o = y * nx;
      java.util.Arrays.fill(out, o, o + nx, 0f);
      for (int i = -r; i <= r; i++) {
        int yy = y + i < 0 ? 0 : (y + i >= ny ? ny - 1 : y + i);
        float kk = k[i + r];
        int t = yy * nx;
        for (int x = 0; x < nx; x++) {
          out[o + x] += kk * tmp[t + x];
        }
      }
    }
  }

  /** The normalised Gaussian of {@code sigma}, radius {@code max(1, ceil(3 sigma))}. */
  static float[] kernel(double sigma) {
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
    return k;
  }
}
