package org.connectome.stages.mesh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A triangle mesh in Draco's bitstream (version 2.2), as the {@code neuroglancer_multilod_draco}
 * fragments need it: a triangular mesh with sequential connectivity and one integer POSITION
 * attribute of three components, the vertex positions already quantized by the caller to {@code [0,
 * 2^bits)} (the format forbids Draco's own quantization transform).
 *
 * <p>The layout, from Draco's decoder ({@code MeshSequentialDecoder}, {@code
 * SequentialAttributeDecodersController}, {@code SequentialAttributeDecoder}): header {@code
 * "DRACO"}, major 2, minor 2, encoder type 1 (triangular mesh), method 0 (sequential), flags uint16
 * 0; connectivity: varint faces, varint points, method 1 (uncompressed indices: uint8 below 256
 * points, uint16 below 2^16, varint below 2^21, else uint32); attributes: one attribute decoder,
 * one attribute (type 0 POSITION, data type 5 INT32, 3 components, not normalized, unique id 0),
 * sequential decoder 0 (generic: the values as they are, little-endian). Draco's own decoders read
 * it: DracoPy (inside CloudVolume) in stages' PrecomputedReadersTest, and Neuroglancer's WASM
 * decoder in the viewer check. No compression of its own: the mesh files are small next to the
 * volumes, and simplification makes the levels of detail small.
 */
public final class DracoMesh {
  private DracoMesh() {}

  /**
   * Encodes a mesh.
   *
   * @param positions x, y, z per vertex, each in {@code [0, 2^31)}
   * @param triangles three vertex indices per triangle
   */
  public static byte[] encode(int[] positions, int[] triangles) {
    if (positions.length % 3 != 0 || triangles.length % 3 != 0) {
      throw new IllegalArgumentException("positions and triangles come in threes");
    }
    int points = positions.length / 3;
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 + 12 * points + 4 * triangles.length);
    out.writeBytes(new byte[] {'D', 'R', 'A', 'C', 'O', 2, 2, 1, 0, 0, 0});
    varint(out, triangles.length / 3);
    varint(out, points);
    out.write(1);
    for (int t : triangles) {
      if (t < 0 || t >= points) {
        throw new IllegalArgumentException("vertex index " + t + " of " + points + " vertices");
      }
      if (points < 256) {
        out.write(t);
      } else if (points < (1 << 16)) {
        out.write(t & 0xff);
        out.write(t >>> 8);
      } else if (points < (1 << 21)) {
        varint(out, t);
      } else {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(t).array());
      }
    }
    out.write(1); // attribute decoders
    varint(out, 1); // attributes
    out.writeBytes(new byte[] {0, 5, 3, 0}); // POSITION, INT32, 3 components, not normalized
    varint(out, 0); // unique id
    out.write(0); // generic sequential decoder: values as stored
    ByteBuffer v = ByteBuffer.allocate(4 * positions.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int p : positions) {
      v.putInt(p);
    }
    out.writeBytes(v.array());
    return out.toByteArray();
  }

  /** A decoded mesh: positions and triangles as {@link #encode} took them. */
  public record Decoded(int[] positions, int[] triangles) {}

  /** Decodes what {@link #encode} writes (and nothing else: for the platform's own checks). */
  public static Decoded decode(byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    byte[] head = new byte[11];
    if (data.length < 11) {
      throw new IOException("not a Draco mesh: " + data.length + " bytes");
    }
    b.get(head);
    if (head[0] != 'D' || head[4] != 'O' || head[5] != 2 || head[7] != 1 || head[8] != 0) {
      throw new IOException("not a Draco 2.x sequential triangle mesh");
    }
    int faces = varint(b);
    int points = varint(b);
    if (b.get() != 1) {
      throw new IOException("compressed Draco connectivity is not read here");
    }
    int[] tri = new int[3 * faces];
    for (int i = 0; i < tri.length; i++) {
      tri[i] =
          points < 256
              ? b.get() & 0xff
              : points < (1 << 16)
                  ? b.getShort() & 0xffff
                  : points < (1 << 21) ? varint(b) : b.getInt();
    }
    if (b.get() != 1 || varint(b) != 1) {
      throw new IOException("one attribute decoder with one attribute expected");
    }
    if (b.get() != 0 || b.get() != 5 || b.get() != 3) {
      throw new IOException("an int32 POSITION of three components expected");
    }
    b.get();
    varint(b);
    if (b.get() != 0) {
      throw new IOException("the generic sequential attribute decoder expected");
    }
    int[] pos = new int[3 * points];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = b.getInt();
    }
    return new Decoded(pos, tri);
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static int varint(ByteBuffer b) {
    long v = 0;
    int shift = 0;
    while (true) {
      int x = b.get() & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return Math.toIntExact(v);
      }
      shift += 7;
    }
  }
}
