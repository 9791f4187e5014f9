package org.connectome.stages.mesh;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Marching cubes over a label volume, every segment at once: a cube's corners are 8 neighbouring
 * voxel centres, and for each segment among them the cube gets the polygons that separate the
 * segment's corners from the others, with a vertex at the midpoint of each edge whose ends differ
 * (the surface of a voxelised object lies on its voxel faces, up to the chamfers at edges and
 * corners).
 *
 * <p>The case table is built here, not copied: each cube face gets oriented segments around its
 * runs of inside corners, and the segments chain into the cube's polygons. On a face with two
 * diagonal inside corners the corners are always kept apart (inside is 6-connected); because that
 * choice depends on the face alone, the two cubes sharing a face cut it identically, which makes
 * the surface closed and consistently oriented across cubes, and across blocks, where classic
 * tables with complementary symmetry leave holes. Polygons run counter-clockwise seen from outside
 * the segment, so normals point out.
 *
 * <p>Coordinates: cube {@code c} spans voxels {@code c .. c + 1} on each axis. A vertex is
 * identified by its doubled voxel coordinates (the sum of the edge's two voxel positions: exact
 * integers), and placed at nanometre position {@code (doubled / 2 + 0.5) * resolution}:
 * Neuroglancer's voxel {@code i} covers {@code [i, i + 1) * resolution}, so a surface between
 * voxels {@code i} and {@code i + 1} lies on their shared face at {@code (i + 1) * resolution}.
 */
public final class MarchingCubes {
  /**
   * Edge {@code e} joins corners {@code EDGES[e][0]} and {@code EDGES[e][1]}; corner bits are x, y,
   * z.
   */
  static final int[][] EDGES = new int[12][];

  /**
   * Per configuration (bit {@code c} set: corner {@code c} inside), its polygons as loops of edge
   * indices.
   */
  static final int[][][] LOOPS = new int[256][][];

  /**
   * Per configuration and loop: whether the loop is triangulated around an added centre vertex
   * instead of as a fan from its first vertex. A fan diagonal between two vertices on one cube face
   * would lie in that face, where the neighbouring cube may draw the same diagonal: loops are
   * rotated so that no diagonal does, and the few that cannot be (around ambiguous faces) get a
   * centre vertex, which belongs to the cube alone.
   */
  static final boolean[][] CENTRE = new boolean[256][];

  static {
    int e = 0;
    int[][] edgeOf = new int[8][8];
    for (int a = 0; a < 8; a++) {
      for (int bit = 1; bit <= 4; bit <<= 1) {
        if ((a & bit) == 0) {
          EDGES[e] = new int[] {a, a | bit};
          edgeOf[a][a | bit] = e;
          edgeOf[a | bit][a] = e;
          e++;
        }
      }
    }
    // the six faces, corners counter-clockwise seen from outside the cube
    List<int[]> faces = new ArrayList<>();
    for (int axis = 0; axis < 3; axis++) {
      int u = (axis + 1) % 3;
      int v = (axis + 2) % 3;
      for (int side = 0; side < 2; side++) {
        int[] uv = {0, 0, 1, 0, 1, 1, 0, 1};
        int[] f = new int[4];
        for (int k = 0; k < 4; k++) {
          f[k] = (side << axis) | (uv[2 * k] << u) | (uv[2 * k + 1] << v);
        }
        if (side == 0) {
          f = new int[] {f[0], f[3], f[2], f[1]};
        }
        faces.add(f);
      }
    }
    for (int config = 0; config < 256; config++) {
      int[] next = new int[12];
      Arrays.fill(next, -1);
      for (int[] f : faces) {
        for (int k = 0; k < 4; k++) {
          boolean in = inside(config, f[k]);
          boolean before = inside(config, f[(k + 3) % 4]);
          if (in && !before) {
            // a run of inside corners starts at k: from the edge entering it to the edge leaving it
            int j = k;
            while (inside(config, f[(j + 1) % 4])) {
              j = (j + 1) % 4;
            }
            int enter = edgeOf[f[(k + 3) % 4]][f[k]];
            int leave = edgeOf[f[j]][f[(j + 1) % 4]];
            if (next[enter] != -1) {
              throw new IllegalStateException(
                  "edge " + enter + " starts two segments in case " + config);
            }
            next[enter] = leave;
          }
        }
      }
      List<int[]> loops = new ArrayList<>();
      boolean[] seen = new boolean[12];
      for (int s = 0; s < 12; s++) {
        if (next[s] == -1 || seen[s]) {
          continue;
        }
        List<Integer> loop = new ArrayList<>();
        for (int x = s; !seen[x]; x = next[x]) {
          seen[x] = true;
          loop.add(x);
          if (next[x] == -1) {
            throw new IllegalStateException("open loop in case " + config);
          }
        }
        loops.add(loop.stream().mapToInt(Integer::intValue).toArray());
      }
      LOOPS[config] = new int[loops.size()][];
      CENTRE[config] = new boolean[loops.size()];
      for (int l = 0; l < loops.size(); l++) {
        int[] loop = loops.get(l);
        int start = fanStart(loop, faces);
        CENTRE[config][l] = start < 0;
        int[] rotated = new int[loop.length];
        for (int i = 0; i < loop.length; i++) {
          rotated[i] = loop[(i + Math.max(0, start)) % loop.length];
        }
        LOOPS[config][l] = rotated;
      }
    }
  }

  private static final int BUILDER_CACHE_BITS = 6;
  private static final int BUILDER_CACHE = 1 << BUILDER_CACHE_BITS;

  private MarchingCubes() {}

  /** A vertex of the loop from which no fan diagonal joins two edges of one face, or -1. */
  private static int fanStart(int[] loop, List<int[]> faces) {
    int n = loop.length;
    for (int s = 0; s < n; s++) {
      boolean ok = true;
      for (int i = 2; i <= n - 2 && ok; i++) {
        ok = !sameFace(loop[s], loop[(s + i) % n], faces);
      }
      if (ok) {
        return s;
      }
    }
    return -1;
  }

  private static boolean sameFace(int e1, int e2, List<int[]> faces) {
    for (int[] f : faces) {
      boolean has1 = false;
      boolean has2 = false;
      for (int k = 0; k < 4; k++) {
        int[] edge = {f[k], f[(k + 1) % 4]};
        has1 |= sameEdge(EDGES[e1], edge);
        has2 |= sameEdge(EDGES[e2], edge);
      }
      if (has1 && has2) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameEdge(int[] a, int[] b) {
    return (a[0] == b[0] && a[1] == b[1]) || (a[0] == b[1] && a[1] == b[0]);
  }

  private static boolean inside(int config, int corner) {
    return (config >> corner & 1) != 0;
  }

  /**
   * Meshes every non-zero label of the cubes whose low corner lies in {@code [cellLo, cellHi)}.
   * {@code labels} holds the voxels {@code cellLo .. cellHi} (inclusive) on each axis, x fastest:
   * one more than the cubes, because a cube reads its high neighbours; voxels outside the volume
   * must be 0 there, which closes the surfaces at the volume's faces. Over a whole volume of size
   * {@code W} the cubes are {@code [-1, W)} per axis; a block of it takes its share, and the planes
   * it shares with other blocks ({@code cellLo} unless {@code -1}, {@code cellHi} unless {@code W})
   * hold its locked vertices.
   *
   * @param labels the voxels, {@code (cellHi - cellLo + 1)} per axis
   * @param cellLo global low corner of the first cube, per axis
   * @param cellHi global end of the cubes, per axis
   * @param volume the volume's size, per axis
   * @param resolution nanometres per voxel
   * @return per label (sorted, unsigned), its mesh with the vertices on shared planes first and
   *     locked
   */
  public static Map<Long, TriangleMesh> mesh(
      long[] labels, long[] cellLo, long[] cellHi, long[] volume, double[] resolution) {
    int sx = Math.toIntExact(cellHi[0] - cellLo[0] + 1);
    int sy = Math.toIntExact(cellHi[1] - cellLo[1] + 1);
    int sz = Math.toIntExact(cellHi[2] - cellLo[2] + 1);
    if (labels.length != (long) sx * sy * sz) {
      throw new IllegalArgumentException(
          "labels of " + labels.length + " voxels for " + sx + "x" + sy + "x" + sz);
    }
    for (int a = 0; a < 3; a++) {
      if (cellLo[a] < -1
          || cellHi[a] > volume[a]
          || cellHi[a] <= cellLo[a]
          || 2 * cellHi[a] + 2 > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "cubes "
                + cellLo[a]
                + ".."
                + cellHi[a]
                + " on axis "
                + a
                + " of a volume of "
                + volume[a]);
      }
    }
    int sxy = sx * sy;
    int[] cornerOffset = new int[8];
    for (int c = 0; c < 8; c++) {
      cornerOffset[c] = (c & 1) + sx * ((c >> 1) & 1) + sxy * ((c >> 2) & 1);
    }
    // The vertex index, as zmesh keeps it: per voxel of two consecutive planes, the vertex on each
    // of its three forward edges, once for the label at either end of the edge (an edge whose ends
    // differ carries a vertex of each non-zero label among them, and no other). Slot of the edge
    // along axis a leaving voxel (x, y) of a plane: 6 * (x + sx * y) + 2 * a + end; -1 is none.
    int planeSlots = Math.multiplyExact(6, sxy);
    int[] slots = new int[Math.multiplyExact(2, planeSlots)];
    Arrays.fill(slots, -1);
    int lowPlane = 0;
    // the slots written in each plane, to clear them when the plane is reused (a plane holds far
    // fewer vertices than slots)
    int[][] written = {new int[1024], new int[1024]};
    int[] writtenCount = new int[2];
    // per edge: its slot from the cube's low corner, the plane it lies in, its low corner, and its
    // midpoint's doubled offset from the cube's low corner
    int[] edgeSlot = new int[12];
    int[] edgePlane = new int[12];
    int[] edgeFrom = new int[12];
    int[][] edgeDoubled = new int[12][3];
    for (int e = 0; e < 12; e++) {
      int a = EDGES[e][0];
      int axis = Integer.numberOfTrailingZeros(EDGES[e][1] ^ a);
      edgeSlot[e] = 6 * ((a & 1) + sx * ((a >> 1) & 1)) + 2 * axis;
      edgePlane[e] = (a >> 2) & 1;
      edgeFrom[e] = a;
      for (int k = 0; k < 3; k++) {
        edgeDoubled[e][k] = ((a >> k) & 1) + ((EDGES[e][1] >> k) & 1);
      }
    }
    int[] doubledLo = {(int) (2 * cellLo[0]), (int) (2 * cellLo[1]), (int) (2 * cellLo[2])};
    int[] edgeBase = new int[12];
    Map<Long, Builder> builders = new HashMap<>();
    // the builders of recent labels by a hash of the label (0, never meshed, marks an empty entry):
    // neighbouring cubes alternate between a few labels, and the map boxes its keys
    long[] cachedLabel = new long[BUILDER_CACHE];
    Builder[] cached = new Builder[BUILDER_CACHE];
    long[] corner = new long[8];
    long[] distinct = new long[8];
    int[] ring = new int[12];
    int ncx = sx - 1;
    int ncy = sy - 1;
    int ncz = sz - 1;
    for (int k = 0; k < ncz; k++) {
      for (int e = 0; e < 12; e++) {
        edgeBase[e] = (edgePlane[e] == 0 ? lowPlane : planeSlots - lowPlane) + edgeSlot[e];
      }
      int dz = doubledLo[2] + 2 * k;
      for (int j = 0; j < ncy; j++) {
        int base = sx * (j + sy * k);
        int dy = doubledLo[1] + 2 * j;
        for (int i = 0; i < ncx; i++, base++) {
          long v0 = labels[base];
          if (labels[base + 1] == v0
              && labels[base + sx] == v0
              && labels[base + sx + 1] == v0
              && labels[base + sxy] == v0
              && labels[base + sxy + 1] == v0
              && labels[base + sxy + sx] == v0
              && labels[base + sxy + sx + 1] == v0) {
            continue;
          }
          int nd = 0;
          for (int c = 0; c < 8; c++) {
            long v = labels[base + cornerOffset[c]];
            corner[c] = v;
            if (v != 0) {
              boolean known = false;
              for (int d = 0; d < nd; d++) {
                if (distinct[d] == v) {
                  known = true;
                  break;
                }
              }
              if (!known) {
                distinct[nd++] = v;
              }
            }
          }
          int cell = 6 * (i + sx * j);
          int dx = doubledLo[0] + 2 * i;
          for (int d = 0; d < nd; d++) {
            long label = distinct[d];
            int config = 0;
            for (int c = 0; c < 8; c++) {
              if (corner[c] == label) {
                config |= 1 << c;
              }
            }
            int h = (int) (label ^ label >>> 29) * 0x9E3779B9 >>> (32 - BUILDER_CACHE_BITS);
            Builder b = cached[h];
            if (cachedLabel[h] != label) {
              b = builders.computeIfAbsent(label, x -> new Builder());
              cachedLabel[h] = label;
              cached[h] = b;
            }
            int[][] loops = LOOPS[config];
            for (int l = 0; l < loops.length; l++) {
              int[] loop = loops[l];
              for (int q = 0; q < loop.length; q++) {
                int e = loop[q];
                // the edge's vertex of this label: the slot of the end that is inside
                int slot = edgeBase[e] + cell + (config >> edgeFrom[e] & 1 ^ 1);
                int v = slots[slot];
                if (v < 0) {
                  int[] o = edgeDoubled[e];
                  v = b.add(dx + o[0], dy + o[1], dz + o[2]);
                  slots[slot] = v;
                  int p = slot < planeSlots ? 0 : 1;
                  if (writtenCount[p] == written[p].length) {
                    written[p] = Arrays.copyOf(written[p], 2 * writtenCount[p]);
                  }
                  written[p][writtenCount[p]++] = slot;
                }
                ring[q] = v;
              }
              if (CENTRE[config][l]) {
                int centre = b.centre(ring, loop.length);
                for (int q = 0; q < loop.length; q++) {
                  b.triangle(centre, ring[q], ring[(q + 1) % loop.length]);
                }
              } else {
                for (int q = 2; q < loop.length; q++) {
                  b.triangle(ring[0], ring[q - 1], ring[q]);
                }
              }
            }
          }
        }
      }
      // the high plane becomes the low one; the old low plane, cleared, the next high one
      int p = lowPlane == 0 ? 0 : 1;
      for (int w = 0; w < writtenCount[p]; w++) {
        slots[written[p][w]] = -1;
      }
      writtenCount[p] = 0;
      lowPlane = planeSlots - lowPlane;
    }
    Map<Long, TriangleMesh> out = new TreeMap<>(Long::compareUnsigned);
    for (var en : builders.entrySet()) {
      out.put(en.getKey(), en.getValue().build(cellLo, cellHi, volume, resolution));
    }
    return out;
  }

  /** Meshes a whole volume (tests, small volumes): cubes {@code [-1, size)} on each axis. */
  public static Map<Long, TriangleMesh> meshVolume(
      long[] labels, int sx, int sy, int sz, double[] resolution) {
    // the cubes [-1, size) read voxels -1 .. size: pad with background on every side
    int px = sx + 2;
    int py = sy + 2;
    int pz = sz + 2;
    long[] full = new long[px * py * pz];
    for (int z = 0; z < sz; z++) {
      for (int y = 0; y < sy; y++) {
        System.arraycopy(labels, sx * (y + sy * z), full, 1 + px * (y + 1 + py * (z + 1)), sx);
      }
    }
    return mesh(
        full,
        new long[] {-1, -1, -1},
        new long[] {sx, sy, sz},
        new long[] {sx, sy, sz},
        resolution);
  }

  /**
   * One label's mesh while it grows: vertices by doubled local position, locked ones reordered
   * first at the end.
   */
  private static final class Builder {
    /** The doubled coordinates of a centre vertex: never on a plane. */
    private static final int NONE = Integer.MIN_VALUE;

    private int[] doubled = new int[3 * 256];

    /** Centre vertices' doubled coordinates, as the mean of their ring's (not integers). */
    private double[] centres = new double[0];

    private int vertices;
    private int[] triangles = new int[3 * 256];
    private int triangleInts;

    int add(int x, int y, int z) {
      if (3 * vertices + 3 > doubled.length) {
        doubled = Arrays.copyOf(doubled, doubled.length * 2);
      }
      doubled[3 * vertices] = x;
      doubled[3 * vertices + 1] = y;
      doubled[3 * vertices + 2] = z;
      return vertices++;
    }

    /** A new vertex at the mean of the first {@code n} of {@code ring}, inside the cube. */
    int centre(int[] ring, int n) {
      double[] c = new double[3];
      for (int r = 0; r < n; r++) {
        int v = ring[r];
        for (int a = 0; a < 3; a++) {
          c[a] += doubled[3 * v + a];
        }
      }
      int at = add(NONE, NONE, NONE);
      if (3 * vertices > centres.length) {
        double[] grown = new double[Math.max(3 * vertices, 2 * centres.length)];
        System.arraycopy(centres, 0, grown, 0, centres.length);
        centres = grown;
      }
      for (int a = 0; a < 3; a++) {
        centres[3 * at + a] = c[a] / n;
      }
      return at;
    }

    void triangle(int a, int b, int c) {
      if (triangleInts + 3 > triangles.length) {
        triangles = Arrays.copyOf(triangles, triangles.length * 2);
      }
      triangles[triangleInts++] = a;
      triangles[triangleInts++] = b;
      triangles[triangleInts++] = c;
    }

    TriangleMesh build(long[] cellLo, long[] cellHi, long[] volume, double[] resolution) {
      // shared planes (doubled): the low cube plane unless the volume's outside, the high one
      // unless the volume's end
      long[] lo = new long[3];
      long[] hi = new long[3];
      boolean seams = false;
      for (int a = 0; a < 3; a++) {
        lo[a] = cellLo[a] > -1 ? 2 * cellLo[a] : Long.MIN_VALUE;
        hi[a] = cellHi[a] < volume[a] ? 2 * cellHi[a] : Long.MIN_VALUE;
        seams |= lo[a] != Long.MIN_VALUE || hi[a] != Long.MIN_VALUE;
      }
      // locked vertices first; without any, the vertices and triangles keep their order
      int[] order = null;
      int locked = 0;
      for (int v = 0; seams && v < vertices; v++) {
        if (onShared(v, lo, hi)) {
          if (order == null) {
            order = new int[vertices];
          }
          order[locked++] = v;
        }
      }
      int[] newIndex = null;
      if (order != null) {
        newIndex = new int[vertices];
        for (int v = 0, rest = locked; v < vertices; v++) {
          if (!onShared(v, lo, hi)) {
            order[rest++] = v;
          }
        }
      }
      float[] pos = new float[3 * vertices];
      int[] keys = new int[3 * locked];
      for (int n = 0; n < vertices; n++) {
        int v = order == null ? n : order[n];
        if (newIndex != null) {
          newIndex[v] = n;
        }
        for (int a = 0; a < 3; a++) {
          int d = doubled[3 * v + a];
          pos[3 * n + a] =
              d == NONE
                  ? (float) ((centres[3 * v + a] + 1) * 0.5 * resolution[a])
                  : position(d, resolution[a]);
          if (n < locked) {
            keys[3 * n + a] = d;
          }
        }
      }
      int[] tris = Arrays.copyOf(triangles, triangleInts);
      if (newIndex != null) {
        for (int t = 0; t < triangleInts; t++) {
          tris[t] = newIndex[tris[t]];
        }
      }
      return new TriangleMesh(pos, tris, locked, keys);
    }

    private boolean onShared(int v, long[] lo, long[] hi) {
      if (doubled[3 * v] == NONE) {
        return false;
      }
      for (int a = 0; a < 3; a++) {
        int d = doubled[3 * v + a];
        if (d == lo[a] || d == hi[a]) {
          return true;
        }
      }
      return false;
    }
  }

  /** The nanometre coordinate of a doubled voxel coordinate. */
  static float position(int doubled, double resolution) {
    return (float) ((doubled + 1) * 0.5 * resolution);
  }
}
