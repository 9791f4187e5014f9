package org.connectome.stages.image;

/**
 * Exact squared Euclidean distance transform of a 2D grid (Felzenszwalb and Huttenlocher's lower
 * envelope of parabolas, one pass along x, one along y): linear in the number of pixels.
 * Segmentation measures distances to membranes with it (seeds), synapse detection the depth of dark
 * clefts.
 */
public final class EuclideanDistance {
  private EuclideanDistance() {}

  /**
   * Replaces {@code f} (x fastest, {@code w * h}; 0 on the pixels distances are measured to, a huge
   * value elsewhere) by the squared distance of every pixel to the nearest 0 pixel. With no 0 pixel
   * at all the values stay huge.
   */
  public static void squared(float[] f, int w, int h) {
    int n = Math.max(w, h);
    float[] line = new float[n];
    float[] out = new float[n];
    int[] v = new int[n];
    float[] zs = new float[n + 1];
    for (int y = 0; y < h; y++) {
      System.arraycopy(f, y * w, line, 0, w);
      transform(line, w, out, v, zs);
      System.arraycopy(out, 0, f, y * w, w);
    }
    for (int x = 0; x < w; x++) {
      for (int y = 0; y < h; y++) {
        line[y] = f[y * w + x];
      }
      transform(line, h, out, v, zs);
      for (int y = 0; y < h; y++) {
        f[y * w + x] = out[y];
      }
    }
  }

  /**
   * The same in 3D: {@code f} is {@code w * h * d}, x fastest then y then z, the voxels cubic:
   * {@link #sections} then {@link #alongZ}.
   */
  public static void squared3d(float[] f, int w, int h, int d) {
    sections(f, w, h, d);
    alongZ(f, w, h, d);
  }

  /** {@link #squared} of each of the {@code d} sections of {@code f} on its own. */
  public static void sections(float[] f, int w, int h, int d) {
    int plane = w * h;
    float[] section = new float[plane];
    for (int z = 0; z < d; z++) {
      System.arraycopy(f, z * plane, section, 0, plane);
      squared(section, w, h);
      System.arraycopy(section, 0, f, z * plane, plane);
    }
  }

  /**
   * The last pass of {@link #squared3d}: {@code f} holding each section's squared distances in 2D,
   * every column along z turns them into the squared distances in 3D.
   */
  public static void alongZ(float[] f, int w, int h, int d) {
    int plane = w * h;
    float[] line = new float[d];
    float[] out = new float[d];
    int[] v = new int[d];
    float[] zs = new float[d + 1];
    for (int i = 0; i < plane; i++) {
      for (int z = 0; z < d; z++) {
        line[z] = f[z * plane + i];
      }
      transform(line, d, out, v, zs);
      for (int z = 0; z < d; z++) {
        f[z * plane + i] = out[z];
      }
    }
  }

  private static float intersection(float[] f, int q, int p) {
    return ((f[q] + (float) q * q) - (f[p] + (float) p * p)) / (2f * (q - p));
  }

  /** One dimension: {@code out[q] = min over p of (q - p)^2 + f[p]}. */
  private static void transform(float[] f, int n, float[] out, int[] v, float[] z) {
    int k = 0;
    int first = -1;
    for (int q = 0; q < n; q++) {
      if (f[q] < Float.MAX_VALUE) {
        first = q;
        break;
      }
    }
    if (first < 0) {
      for (int q = 0; q < n; q++) {
        out[q] = Float.MAX_VALUE;
      }
      return;
    }
    v[0] = first;
    z[0] = Float.NEGATIVE_INFINITY;
    z[1] = Float.POSITIVE_INFINITY;
    for (int q = first + 1; q < n; q++) {
      if (f[q] >= Float.MAX_VALUE) {
        continue; // an infinite parabola is never the lowest
      }
      float s = intersection(f, q, v[k]);
      // z[0] is minus infinity, so this stops at k = 0 at the latest
      while (s <= z[k]) {
        k--;
        s = intersection(f, q, v[k]);
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Float.POSITIVE_INFINITY;
    }
    k = 0;
    for (int q = 0; q < n; q++) {
      while (z[k + 1] < q) {
        k++;
      }
      float d = q - v[k];
      out[q] = d * d + f[v[k]];
    }
  }
}
