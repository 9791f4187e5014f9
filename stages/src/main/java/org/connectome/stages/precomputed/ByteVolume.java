package org.connectome.stages.precomputed;

/**
 * A box of uint8 voxels in memory: index {@code x + sx * (y + sy * (z + sz * c))}, x fastest and
 * channels outermost, the order of raw precomputed chunks.
 */
public final class ByteVolume {
  private final int sx;
  private final int sy;
  private final int sz;
  private final int channels;
  private final byte[] data;

  public ByteVolume(int sx, int sy, int sz, int channels, byte[] data) {
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
              + " bytes, not "
              + data.length);
    }
    this.sx = sx;
    this.sy = sy;
    this.sz = sz;
    this.channels = channels;
    this.data = data;
  }

  public ByteVolume(int sx, int sy, int sz) {
    this(sx, sy, sz, 1, new byte[Math.multiplyExact(Math.multiplyExact(sx, sy), sz)]);
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

  /** The voxels, shared (not copied). */
  public byte[] data() {
    return data;
  }

  public int index(int x, int y, int z, int c) {
    return x + sx * (y + sy * (z + sz * c));
  }

  /** Value 0 to 255 of channel 0. */
  public int get(int x, int y, int z) {
    return data[x + sx * (y + sy * z)] & 0xff;
  }

  public void set(int x, int y, int z, int value) {
    data[x + sx * (y + sy * z)] = (byte) value;
  }

  /**
   * Copies the box {@code [x0, x0 + nx) x [y0, ..) x [z0, ..)} of this volume (all channels) into
   * {@code dst} at {@code (dx, dy, dz)}.
   */
  public void copyTo(
      int x0, int y0, int z0, int nx, int ny, int nz, ByteVolume dst, int dx, int dy, int dz) {
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

  /** A copy of a sub-box. */
  public ByteVolume crop(int x0, int y0, int z0, int nx, int ny, int nz) {
    ByteVolume out = new ByteVolume(nx, ny, nz, channels, new byte[nx * ny * nz * channels]);
    copyTo(x0, y0, z0, nx, ny, nz, out, 0, 0, 0);
    return out;
  }
}
