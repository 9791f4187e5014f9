package org.connectome.stages.precomputed;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

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
    // the pyramid's factors: whole boxes in a loop of their own (the kernel benchmark measured the
    // general loop's per-voxel box bookkeeping at 25x tinybrain's time); partial boxes as before
    if (fx == 2 && fy == 2 && (fz == 1 || fz == 2)) {
      return average22(src, fz);
    }
    return averageAnyFactor(src, fx, fy, fz);
  }

  static ByteVolume averageAnyFactor(ByteVolume src, int fx, int fy, int fz) {
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
    if (fx == 2 && fy == 2 && fz == 1) {
      return mode221(src);
    }
    return modeAnyFactor(src, fx, fy, fz);
  }

  static LabelVolume modeAnyFactor(LabelVolume src, int fx, int fy, int fz) {
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

  /** Mean of 2x2x1 or 2x2x2 boxes, as {@link #averageAnyFactor} computes it. */
  private static ByteVolume average22(ByteVolume src, int fz) {
    int ox = ceil(src.sx(), 2);
    int oy = ceil(src.sy(), 2);
    int oz = ceil(src.sz(), fz);
    ByteVolume out =
        new ByteVolume(ox, oy, oz, src.channels(), new byte[ox * oy * oz * src.channels()]);
    byte[] s = src.data();
    byte[] d = out.data();
    int whole = src.sx() / 2;
    for (int c = 0; c < src.channels(); c++) {
      for (int z = 0; z < oz; z++) {
        int z0 = z * fz;
        boolean fullZ = z0 + fz <= src.sz();
        for (int y = 0; y < oy; y++) {
          int y0 = 2 * y;
          int o = out.index(0, y, z, c);
          int from = 0;
          if (fullZ && y0 + 2 <= src.sy()) {
            int a = src.index(0, y0, z0, c);
            int b = src.index(0, y0 + 1, z0, c);
            // fz 1: the second plane's rows are not read
            int e = fz == 1 ? a : src.index(0, y0, z0 + 1, c);
            int f = fz == 1 ? b : src.index(0, y0 + 1, z0 + 1, c);
            int x = means2x2(s, a, b, e, f, fz, d, o, whole);
            for (int i = 2 * x; x < whole; x++, i += 2) {
              int sum = (s[a + i] & 0xff) + (s[a + i + 1] & 0xff);
              sum += (s[b + i] & 0xff) + (s[b + i + 1] & 0xff);
              if (fz == 2) {
                sum += (s[e + i] & 0xff) + (s[e + i + 1] & 0xff);
                sum += (s[f + i] & 0xff) + (s[f + i + 1] & 0xff);
              }
              d[o + x] = (byte) ((sum + 2 * fz) >> (1 + fz));
            }
            from = whole;
          }
          for (int x = from; x < ox; x++) {
            d[o + x] = (byte) partialMean(src, c, 2 * x, y0, z0, 2, 2, fz);
          }
        }
      }
    }
    return out;
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LANES = 0x00FF00FF00FF00FFL;

  /**
   * Rounded means of the 2x2 boxes of rows {@code a} and {@code b} (and of 2x2x2 with rows {@code
   * e} and {@code f} of the next plane when {@code fz} is 2), sixteen input bytes of each row at a
   * time: the horizontal pair sums of a row in the 16-bit lanes of a long (SIMD within a register;
   * a lane's sum stays below 2048), eight means written as one long. Returns how many outputs it
   * wrote, a multiple of 8.
   */
  private static int means2x2(
      byte[] s, int a, int b, int e, int f, int fz, byte[] d, int o, int n) {
    int shift = 1 + fz;
    long half = fz == 1 ? 0x0002000200020002L : 0x0004000400040004L;
    int x = 0;
    for (; x + 8 <= n; x += 8) {
      int i = 2 * x;
      long lo = pairSums(s, a + i) + pairSums(s, b + i);
      long hi = pairSums(s, a + i + 8) + pairSums(s, b + i + 8);
      if (fz == 2) {
        lo += pairSums(s, e + i) + pairSums(s, f + i);
        hi += pairSums(s, e + i + 8) + pairSums(s, f + i + 8);
      }
      // means 0-3 in the even bytes, 4-7 in the odd ones: two swaps put them in order
      long m = ((lo + half) >>> shift) & LANES | (((hi + half) >>> shift) & LANES) << 8;
      long t = (m ^ (m >>> 8)) & 0x0000FF000000FF00L;
      m ^= t ^ (t << 8);
      t = (m ^ (m >>> 16)) & 0x00000000FFFF0000L;
      m ^= t ^ (t << 16);
      LONGS.set(d, o + x, m);
    }
    return x;
  }

  /** The sums of the four horizontal pairs of eight bytes from {@code at}, in 16-bit lanes. */
  private static long pairSums(byte[] s, int at) {
    long r = (long) LONGS.get(s, at);
    return (r & LANES) + ((r >>> 8) & LANES);
  }

  /** The rounded mean of the box's voxels that lie inside the volume. */
  private static int partialMean(
      ByteVolume src, int c, int x0, int y0, int z0, int fx, int fy, int fz) {
    int x1 = Math.min(src.sx(), x0 + fx);
    int y1 = Math.min(src.sy(), y0 + fy);
    int z1 = Math.min(src.sz(), z0 + fz);
    byte[] s = src.data();
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
    return (sum + n / 2) / n;
  }

  /** Mode of 2x2x1 boxes, as {@link #modeAnyFactor} computes it. */
  private static LabelVolume mode221(LabelVolume src) {
    int ox = ceil(src.sx(), 2);
    int oy = ceil(src.sy(), 2);
    int oz = src.sz();
    LabelVolume out =
        new LabelVolume(ox, oy, oz, src.channels(), new long[ox * oy * oz * src.channels()]);
    long[] s = src.data();
    long[] d = out.data();
    int whole = src.sx() / 2;
    long[] box = new long[4];
    for (int c = 0; c < src.channels(); c++) {
      for (int z = 0; z < oz; z++) {
        for (int y = 0; y < oy; y++) {
          int y0 = 2 * y;
          int o = out.index(0, y, z, c);
          int from = 0;
          if (y0 + 2 <= src.sy()) {
            int a = src.index(0, y0, z, c);
            int b = src.index(0, y0 + 1, z, c);
            for (int x = 0, i = 0; x < whole; x++, i += 2) {
              d[o + x] = mode4(s[a + i], s[a + i + 1], s[b + i], s[b + i + 1]);
            }
            from = whole;
          }
          for (int x = from; x < ox; x++) {
            int n = 0;
            for (int yy = y0; yy < Math.min(src.sy(), y0 + 2); yy++) {
              for (int xx = 2 * x; xx < Math.min(src.sx(), 2 * x + 2); xx++) {
                box[n++] = s[src.index(xx, yy, z, c)];
              }
            }
            d[o + x] = modeOf(box, n);
          }
        }
      }
    }
    return out;
  }

  /**
   * {@link #modeOf} of four labels in x-fastest order, without a loop: the most frequent; a tie
   * goes to a non-zero label, then to the first.
   */
  static long mode4(long a, long b, long c, long d) {
    if (a == b) {
      if (a == c || a == d) {
        return a;
      }
      return c == d && a == 0 ? c : a;
    }
    if (a == c) {
      return a == d ? a : b == d && a == 0 ? b : a;
    }
    if (a == d) {
      return b == c && a == 0 ? b : a;
    }
    if (b == c || b == d) {
      return b;
    }
    if (c == d) {
      return c;
    }
    return a == 0 ? b : a;
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
