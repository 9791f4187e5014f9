package org.connectome.stages.mesh;

import java.util.Arrays;
import java.util.List;

/**
 * Joins a segment's block meshes into one: the locked vertices (on block seams) with the same grid
 * position are the same vertex, so the blocks' surfaces share their seam vertices and edges, and a
 * segment that is closed gives a closed mesh; other vertices are copied as they are.
 */
public final class SeamMerge {
  private static final int BITS = 21;
  private static final long LIMIT = 1L << (BITS - 1);

  private SeamMerge() {}

  public static TriangleMesh merge(List<TriangleMesh> parts) {
    int vertices = 0;
    int triangles = 0;
    int locked = 0;
    for (TriangleMesh p : parts) {
      vertices += p.vertexCount();
      triangles += p.triangles().length;
      locked += p.lockedCount();
    }
    LongIntMap seam = new LongIntMap(Math.max(16, locked));
    float[] pos = new float[3 * vertices];
    int[] tris = new int[triangles];
    int n = 0;
    int t = 0;
    for (TriangleMesh p : parts) {
      int[] index = new int[p.vertexCount()];
      float[] v = p.vertices();
      int[] keys = p.lockedKeys();
      for (int i = 0; i < p.vertexCount(); i++) {
        if (i < p.lockedCount()) {
          int known = seam.putIfAbsent(key(keys[3 * i], keys[3 * i + 1], keys[3 * i + 2]), n);
          if (known >= 0) {
            index[i] = known;
            continue;
          }
        }
        System.arraycopy(v, 3 * i, pos, 3 * n, 3);
        index[i] = n++;
      }
      for (int k : p.triangles()) {
        tris[t++] = index[k];
      }
    }
    return TriangleMesh.of(n == vertices ? pos : Arrays.copyOf(pos, 3 * n), tris);
  }

  private static long key(int x, int y, int z) {
    if (Math.abs((long) x) >= LIMIT || Math.abs((long) y) >= LIMIT || Math.abs((long) z) >= LIMIT) {
      throw new IllegalArgumentException(
          "seam vertex ("
              + x
              + ", "
              + y
              + ", "
              + z
              + ") / 2 outside the "
              + (LIMIT / 2)
              + " voxels a merge key holds");
    }
    long mask = (1L << BITS) - 1;
    return ((x + LIMIT) & mask)
        | (((y + LIMIT) & mask) << BITS)
        | (((z + LIMIT) & mask) << (2 * BITS));
  }
}
