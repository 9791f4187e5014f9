package org.connectome.stages.synapses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SmoothingTest {
  @Test
  void givesTheSameFloatsAsASumPerVoxelWithTheBorderRepeated() {
    SplittableRandom r = new SplittableRandom(3);
    int[][] sizes = {{1, 1}, {2, 7}, {5, 3}, {40, 31}, {3, 60}};
    for (double sigma : new double[] {0.6, 1.0, 2.5}) {
      for (int[] s : sizes) {
        int offset = 5;
        byte[] src = new byte[offset + s[0] * s[1]];
        r.nextBytes(src);
        float[] out = new float[s[0] * s[1]];
        Smoothing.gaussian(src, offset, s[0], s[1], sigma, out);
        assertArrayEquals(perVoxel(src, offset, s[0], s[1], sigma), out, 0f);
      }
    }
  }

  /** The plain definition: every output voxel summed tap by tap, edges clamped (same kernel). */
  private static float[] perVoxel(byte[] src, int offset, int nx, int ny, double sigma) {
    float[] k = Smoothing.kernel(sigma);
    int r = k.length / 2;
    float[] tmp = new float[nx * ny];
    for (int y = 0; y < ny; y++) {
      for (int x = 0; x < nx; x++) {
        float a = 0;
        for (int i = -r; i <= r; i++) {
          int xx = Math.min(nx - 1, Math.max(0, x + i));
          a += k[i + r] * (src[offset + y * nx + xx] & 0xff);
        }
        tmp[y * nx + x] = a;
      }
    }
    float[] out = new float[nx * ny];
    for (int y = 0; y < ny; y++) {
      for (int x = 0; x < nx; x++) {
        float a = 0;
        for (int i = -r; i <= r; i++) {
          int yy = Math.min(ny - 1, Math.max(0, y + i));
          a += k[i + r] * tmp[yy * nx + x];
        }
        out[y * nx + x] = a;
      }
    }
    return out;
  }
}
