package org.connectome.stages.mesh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.connectome.stages.precomputed.AtomicFiles;

/**
 * What mesh.blocks writes per block and mesh.merge reads: {@code output/blocks/<unit /
 * 1000>/u<unit>.mesh}, one file with every segment the block saw, so a merge shard reads the small
 * index of each block and then only its own segments' bytes. Little-endian:
 *
 * <pre>
 * "CMBK", int32 version (1), int64 unit, int32 entries
 * entries x {int64 id, int64 voxels (in the core), int64 triangles before simplification,
 *            int32 vertices, int32 locked vertices, int32 triangles, int64 offset of the data}   (sorted by id)
 * per entry at its offset: float32 x y z (nm) per vertex, uint32 a b c per triangle, int32 doubled x y z per
 *            locked vertex (the first ones)
 * </pre>
 *
 * A segment with voxels in the core and no mesh here (its surface lies in other blocks) has an
 * entry with no vertices: the merge learns from the entries which segments exist.
 */
public final class BlockMeshFile {
  static final byte[] MAGIC = "CMBK".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  static final int HEADER = 4 + 4 + 8 + 4;
  static final int ENTRY = 8 + 8 + 8 + 4 + 4 + 4 + 8;

  private BlockMeshFile() {}

  /**
   * One segment's entry.
   *
   * @param id segment id
   * @param voxels its voxels in the block's core
   * @param rawTriangles triangles before simplification
   * @param vertices vertices stored
   * @param locked of which locked (seam) vertices, stored first
   * @param triangles triangles stored
   * @param offset where its data starts in the file
   */
  public record Entry(
      long id,
      long voxels,
      long rawTriangles,
      int vertices,
      int locked,
      int triangles,
      long offset) {
    long bytes() {
      return 12L * vertices + 12L * triangles + 12L * locked;
    }
  }

  public static Path file(Path stepOutputDir, long unit) {
    return stepOutputDir
        .resolve("blocks")
        .resolve(String.format("%06d", unit / 1000))
        .resolve("u" + unit + ".mesh");
  }

  /** Writes a block's parts atomically; returns the file's size. */
  public static long write(Path file, long unit, Map<Long, BlockMesher.Part> parts)
      throws IOException {
    long size = HEADER + (long) ENTRY * parts.size();
    for (BlockMesher.Part p : parts.values()) {
      TriangleMesh m = p.mesh();
      size += 12L * m.vertexCount() + 4L * m.triangles().length + 12L * m.lockedCount();
    }
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putInt(VERSION).putLong(unit).putInt(parts.size());
    long offset = HEADER + (long) ENTRY * parts.size();
    for (var e : parts.entrySet()) {
      TriangleMesh m = e.getValue().mesh();
      b.putLong(e.getKey())
          .putLong(e.getValue().voxels())
          .putLong(e.getValue().rawTriangles())
          .putInt(m.vertexCount())
          .putInt(m.lockedCount())
          .putInt(m.triangleCount())
          .putLong(offset);
      offset += 12L * m.vertexCount() + 4L * m.triangles().length + 12L * m.lockedCount();
    }
    for (BlockMesher.Part p : parts.values()) {
      TriangleMesh m = p.mesh();
      for (float f : m.vertices()) {
        b.putFloat(f);
      }
      for (int t : m.triangles()) {
        b.putInt(t);
      }
      for (int k : m.lockedKeys()) {
        b.putInt(k);
      }
    }
    AtomicFiles.write(file, b.array());
    return size;
  }

  /** The entries of a block file, without reading the meshes. */
  public static List<Entry> index(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer h = read(ch, 0, HEADER, file);
      byte[] magic = new byte[4];
      h.get(magic);
      int version = h.getInt();
      if (!java.util.Arrays.equals(magic, MAGIC) || version != VERSION) {
        throw new IOException(file + " is not a block mesh file (version " + VERSION + ")");
      }
      h.getLong();
      int n = h.getInt();
      if (n < 0 || HEADER + (long) ENTRY * n > ch.size()) {
        throw new IOException(file + ": " + n + " entries do not fit in " + ch.size() + " bytes");
      }
      ByteBuffer b = read(ch, HEADER, ENTRY * n, file);
      List<Entry> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        Entry e =
            new Entry(
                b.getLong(),
                b.getLong(),
                b.getLong(),
                b.getInt(),
                b.getInt(),
                b.getInt(),
                b.getLong());
        if (e.vertices() < 0
            || e.locked() < 0
            || e.locked() > e.vertices()
            || e.triangles() < 0
            || e.offset() < 0
            || e.offset() + e.bytes() > ch.size()) {
          throw new IOException(
              file + ": entry of segment " + Long.toUnsignedString(e.id()) + " is out of bounds");
        }
        out.add(e);
      }
      return out;
    }
  }

  /** One entry's mesh. */
  public static TriangleMesh read(Path file, Entry e) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return read(ch, file, e);
    }
  }

  static TriangleMesh read(FileChannel ch, Path file, Entry e) throws IOException {
    ByteBuffer b = read(ch, e.offset(), Math.toIntExact(e.bytes()), file);
    float[] v = new float[3 * e.vertices()];
    b.asFloatBuffer().get(v);
    b.position(b.position() + 4 * v.length);
    int[] t = new int[3 * e.triangles()];
    b.asIntBuffer().get(t);
    b.position(b.position() + 4 * t.length);
    int[] keys = new int[3 * e.locked()];
    b.asIntBuffer().get(keys);
    return new TriangleMesh(v, t, e.locked(), keys);
  }

  private static ByteBuffer read(FileChannel ch, long at, int n, Path file) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, at + b.position()) < 0) {
        throw new IOException(file + " ends before byte " + (at + n));
      }
    }
    b.flip();
    return b;
  }
}
