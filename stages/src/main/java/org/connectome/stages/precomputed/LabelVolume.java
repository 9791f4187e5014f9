package org.connectome.stages.precomputed;

/**
 * A box of segment labels in memory (uint32 or uint64 held as {@code long}, compared unsigned where
 * order matters): index {@code x + sx * (y + sy * (z + sz * c))}, x fastest and channels outermost.
 */
public final class LabelVolume {
  private final int sx;
  private final int sy;
  private final int sz;
  private final int channels;
  private final long[] data;

  public LabelVolume(int sx, int sy, int sz, int channels, long[] data) {
    long n = (long) sx * sy * sz * channels;
    if (sx < 0 || sy < 0 || sz < 0 || channels < 1 || n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "bad volume size " + sx + "x" + sy + "x" + sz + "x" + channels);
    }
    if (data.length != n) {
      throw new IllegalArgumentException(
          "volume "
              + sx
              + "x"
              + sy
              + "x"
              + sz
              + "x"
              + channels
              + " needs "
              + n
              + " labels, not "
              + data.length);
    }
    this.sx = sx;
    this.sy = sy;
    this.sz = sz;
    this.channels = channels;
    this.data = data;
  }

  public LabelVolume(int sx, int sy, int sz) {
    this(sx, sy, sz, 1, new long[Math.multiplyExact(Math.multiplyExact(sx, sy), sz)]);
  }

  public int sx() {
    return sx;
  }

  public int sy() {
    return sy;
  }

  public int sz() {
    return sz;
  }

  public int channels() {
    return channels;
  }

  /** The labels, shared (not copied). */
  public long[] data() {
    return data;
  }

  public int index(int x, int y, int z, int c) {
    return x + sx * (y + sy * (z + sz * c));
  }

  public long get(int x, int y, int z) {
    return data[x + sx * (y + sy * z)];
  }

  public void set(int x, int y, int z, long value) {
    data[x + sx * (y + sy * z)] = value;
  }

  /** Copies a box of this volume (all channels) into {@code dst} at {@code (dx, dy, dz)}. */
  public void copyTo(
      int x0, int y0, int z0, int nx, int ny, int nz, LabelVolume dst, int dx, int dy, int dz) {
    if (dst.channels != channels) {
      throw new IllegalArgumentException("channel counts differ");
    }
    for (int c = 0; c < channels; c++) {
      for (int z = 0; z < nz; z++) {
        for (int y = 0; y < ny; y++) {
          System.arraycopy(
              data, index(x0, y0 + y, z0 + z, c), dst.data, dst.index(dx, dy + y, dz + z, c), nx);
        }
      }
    }
  }

  public LabelVolume crop(int x0, int y0, int z0, int nx, int ny, int nz) {
    LabelVolume out = new LabelVolume(nx, ny, nz, channels, new long[nx * ny * nz * channels]);
    copyTo(x0, y0, z0, nx, ny, nz, out, 0, 0, 0);
    return out;
  }
}
