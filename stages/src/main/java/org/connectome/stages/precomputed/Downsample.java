package org.connectome.stages.precomputed;

/**
 * Downsampling by integer factors per axis (2x2x1 or 2x2x2 between precomputed scales). The output
 * has {@code ceil(size / factor)} voxels per axis; a box at the upper edge that the input covers
 * only partly uses the voxels that are there.
 */
public final class Downsample {
  private Downsample() {}

  /**
   * Image downsampling: the rounded mean of each box of {@code fx x fy x fz} voxels, per channel.
   */
  public static ByteVolume average(ByteVolume src, int fx, int fy, int fz) {
    checkFactors(fx, fy, fz);
    int ox = ceil(src.sx(), fx);
    int oy = ceil(src.sy(), fy);
    int oz = ceil(src.sz(), fz);
    ByteVolume out =
        new ByteVolume(ox, oy, oz, src.channels(), new byte[ox * oy * oz * src.channels()]);
    byte[] s = src.data();
    byte[] d = out.data();
    for (int c = 0; c < src.channels(); c++) {
      for (int z = 0; z < oz; z++) {
        int z0 = z * fz;
        int z1 = Math.min(src.sz(), z0 + fz);
        for (int y = 0; y < oy; y++) {
          int y0 = y * fy;
          int y1 = Math.min(src.sy(), y0 + fy);
          for (int x = 0; x < ox; x++) {
            int x0 = x * fx;
            int x1 = Math.min(src.sx(), x0 + fx);
            int sum = 0;
            for (int zz = z0; zz < z1; zz++) {
              for (int yy = y0; yy < y1; yy++) {
                int row = src.index(0, yy, zz, c);
                for (int xx = x0; xx < x1; xx++) {
                  sum += s[row + xx] & 0xff;
                }
              }
            }
            int n = (x1 - x0) * (y1 - y0) * (z1 - z0);
            d[out.index(x, y, z, c)] = (byte) ((sum + n / 2) / n);
          }
        }
      }
    }
    return out;
  }

  /**
   * Segmentation downsampling: the most frequent label of each box; a tie goes to a non-zero label
   * (so thin processes are not eroded into the background), then to the label met first in
   * x-fastest order.
   */
  public static LabelVolume mode(LabelVolume src, int fx, int fy, int fz) {
    checkFactors(fx, fy, fz);
    int ox = ceil(src.sx(), fx);
    int oy = ceil(src.sy(), fy);
    int oz = ceil(src.sz(), fz);
    LabelVolume out =
        new LabelVolume(ox, oy, oz, src.channels(), new long[ox * oy * oz * src.channels()]);
    long[] s = src.data();
    long[] d = out.data();
    long[] box = new long[fx * fy * fz];
    for (int c = 0; c < src.channels(); c++) {
      for (int z = 0; z < oz; z++) {
        int z0 = z * fz;
        int z1 = Math.min(src.sz(), z0 + fz);
        for (int y = 0; y < oy; y++) {
          int y0 = y * fy;
          int y1 = Math.min(src.sy(), y0 + fy);
          for (int x = 0; x < ox; x++) {
            int x0 = x * fx;
            int x1 = Math.min(src.sx(), x0 + fx);
            int n = 0;
            for (int zz = z0; zz < z1; zz++) {
              for (int yy = y0; yy < y1; yy++) {
                int row = src.index(0, yy, zz, c);
                for (int xx = x0; xx < x1; xx++) {
                  box[n++] = s[row + xx];
                }
              }
            }
            d[out.index(x, y, z, c)] = modeOf(box, n);
          }
        }
      }
    }
    return out;
  }

  static long modeOf(long[] v, int n) {
    long best = v[0];
    int bestCount = 0;
    for (int i = 0; i < n; i++) {
      long candidate = v[i];
      boolean seen = false;
      for (int j = 0; j < i; j++) {
        if (v[j] == candidate) {
          seen = true;
          break;
        }
      }
      if (seen) {
        continue;
      }
      int count = 1;
      for (int j = i + 1; j < n; j++) {
        if (v[j] == candidate) {
          count++;
        }
      }
      if (count > bestCount || (count == bestCount && best == 0 && candidate != 0)) {
        best = candidate;
        bestCount = count;
      }
    }
    return best;
  }

  private static void checkFactors(int fx, int fy, int fz) {
    if (fx < 1 || fy < 1 || fz < 1) {
      throw new IllegalArgumentException("downsampling factors must be >= 1");
    }
  }

  private static int ceil(int a, int b) {
    return (a + b - 1) / b;
  }
}
