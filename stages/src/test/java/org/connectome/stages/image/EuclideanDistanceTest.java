package org.connectome.stages.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EuclideanDistanceTest {
  @Test
  void euclideanDistanceIsExact() {
    int w = 9;
    int h = 7;
    float[] f = new float[w * h];
    Arrays.fill(f, Float.MAX_VALUE);
    f[2 * w + 3] = 0;
    f[6 * w + 8] = 0;
    EuclideanDistance.squared(f, w, h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double a = (x - 3) * (x - 3) + (y - 2) * (y - 2);
        double b = (x - 8) * (x - 8) + (y - 6) * (y - 6);
        assertEquals(Math.min(a, b), f[y * w + x], 1e-3, "at " + x + ", " + y);
      }
    }
  }

  @Test
  void aLineIsExactAndALineWithoutZerosStaysHuge() {
    float[] f = {
      Float.MAX_VALUE, 0, Float.MAX_VALUE, Float.MAX_VALUE, Float.MAX_VALUE, 0, Float.MAX_VALUE
    };
    EuclideanDistance.squared(f, 7, 1);
    assertEquals(
        List.of(1f, 0f, 1f, 4f, 1f, 0f, 1f), List.of(f[0], f[1], f[2], f[3], f[4], f[5], f[6]));
    float[] none = new float[5];
    Arrays.fill(none, Float.MAX_VALUE);
    EuclideanDistance.squared(none, 5, 1);
    for (float v : none) {
      assertEquals(Float.MAX_VALUE, v);
    }
  }

  @Test
  void in3dEveryVoxelGetsTheSquaredDistanceToTheNearestZero() {
    int w = 7;
    int h = 6;
    int d = 5;
    int[][] zeros = {{1, 1, 0}, {6, 2, 4}, {3, 5, 2}};
    float[] f = new float[w * h * d];
    Arrays.fill(f, Float.MAX_VALUE);
    for (int[] z : zeros) {
      f[(z[2] * h + z[1]) * w + z[0]] = 0;
    }
    EuclideanDistance.squared3d(f, w, h, d);
    for (int z = 0; z < d; z++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double best = Double.MAX_VALUE;
          for (int[] o : zeros) {
            int dx = x - o[0];
            int dy = y - o[1];
            int dz = z - o[2];
            best = Math.min(best, dx * dx + dy * dy + dz * dz);
          }
          assertEquals(best, f[(z * h + y) * w + x], 1e-3, "at " + x + ", " + y + ", " + z);
        }
      }
    }
  }
}
