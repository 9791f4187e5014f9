package org.connectome.stages.precomputed;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The {@code raw} chunk encoding: voxels little-endian in {@code [x, y, z, channel]} Fortran order
 * (x fastest, channels outermost), no header; a chunk of {@code nx * ny * nz * channels *
 * bytesPerVoxel} bytes.
 */
public final class RawCodec {
  private RawCodec() {}

  public static byte[] encode(ByteVolume v) {
    return v.data().clone();
  }

  public static ByteVolume decodeBytes(byte[] chunk, int sx, int sy, int sz, int channels) {
    long expected = (long) sx * sy * sz * channels;
    if (chunk.length != expected) {
      throw new IllegalArgumentException(
          "raw uint8 chunk of "
              + sx
              + "x"
              + sy
              + "x"
              + sz
              + "x"
              + channels
              + " has "
              + chunk.length
              + " bytes, expected "
              + expected);
    }
    return new ByteVolume(sx, sy, sz, channels, chunk.clone());
  }

  /** Labels as uint32 or uint64 little-endian; uint32 keeps the low 32 bits (labels must fit). */
  public static byte[] encode(LabelVolume v, DataType type) {
    long[] d = v.data();
    ByteBuffer b = ByteBuffer.allocate(d.length * width(type)).order(ByteOrder.LITTLE_ENDIAN);
    if (type == DataType.UINT64) {
      b.asLongBuffer().put(d);
    } else {
      for (int i = 0; i < d.length; i++) {
        if ((d[i] >>> 32) != 0) {
          throw new IllegalArgumentException(
              "label " + Long.toUnsignedString(d[i]) + " does not fit uint32");
        }
        b.putInt(i * 4, (int) d[i]);
      }
    }
    return b.array();
  }

  public static LabelVolume decodeLabels(
      byte[] chunk, DataType type, int sx, int sy, int sz, int channels) {
    int w = width(type);
    long n = (long) sx * sy * sz * channels;
    if (chunk.length != n * w) {
      throw new IllegalArgumentException(
          "raw "
              + type.json()
              + " chunk of "
              + sx
              + "x"
              + sy
              + "x"
              + sz
              + "x"
              + channels
              + " has "
              + chunk.length
              + " bytes, expected "
              + n * w);
    }
    long[] d = new long[(int) n];
    ByteBuffer b = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    if (type == DataType.UINT64) {
      b.asLongBuffer().get(d);
    } else {
      for (int i = 0; i < d.length; i++) {
        d[i] = Integer.toUnsignedLong(b.getInt(i * 4));
      }
    }
    return new LabelVolume(sx, sy, sz, channels, d);
  }

  static int width(DataType type) {
    if (type != DataType.UINT32 && type != DataType.UINT64) {
      throw new IllegalArgumentException("labels are uint32 or uint64, not " + type.json());
    }
    return type.bytes();
  }
}
