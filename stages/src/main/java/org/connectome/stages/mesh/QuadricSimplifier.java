package org.connectome.stages.mesh;

import java.util.Arrays;

/**
 * Quadric edge-collapse simplification (Garland and Heckbert): every vertex carries the sum of the
 * planes of the triangles around it (area weighted), an edge's cost is the collapsed vertex's mean
 * squared distance to those planes (nm^2) at the position that minimises it, and cheap edges
 * collapse before dear ones (in sweeps of rising threshold rather than through a priority queue,
 * which costs several times more on meshes of millions of triangles). The mesh's locked vertices
 * (block seams) never move and are never removed, so a block's simplified mesh still meets its
 * neighbours' exactly; an edge with one locked end collapses onto it.
 *
 * <p>A collapse is refused when it would change the topology (the two ends share neighbours other
 * than the two opposite vertices, or an opposite vertex would be left with fewer than three
 * triangles), turn a triangle over, or join two locked vertices by a new edge (the neighbouring
 * block could draw the same edge on its side), so a closed mesh stays closed and consistently
 * oriented, and so do the blocks' meshes once merged.
 */
public final class QuadricSimplifier {
  /** A collapse may tilt a surviving triangle's normal by at most about 84 degrees. */
  static final double MIN_COS = 0.1;

  /**
   * Most triangles around a vertex after a collapse: keeps each collapse's checks bounded (a vertex
   * that swallowed a whole flat region would be checked with all its triangles at every later
   * collapse) and the triangles well shaped.
   */
  static final int MAX_VALENCE = 32;

  /** The first sweep's error threshold (nm^2): collapses of no error, in flat regions. */
  static final double FIRST_THRESHOLD = 1e-6;

  /** Each sweep's threshold over the last's, until the bound. */
  static final double THRESHOLD_GROWTH = 16;

  private final int n;
  private final int locked;
  private final double[] pos;
  private final double[] quadric;
  private final double[] weight;
  private final boolean[] removed;

  /** Per vertex, the last sweep a collapse went into it: it sits out the rest of that sweep. */
  private final int[] touched;

  /**
   * Per vertex, how often it changed (moved or took a quadric): cached edge costs hold for one
   * value.
   */
  private final int[] modified;

  /**
   * Per triangle edge slot: the cost last planned, for the ends' {@code modified} values it was
   * planned with.
   */
  private final double[] cachedCost;

  private final int[] cacheA;
  private final int[] cacheB;
  private final int[] tri;
  private final boolean[] dead;
  private final int[][] vt;
  private final int[] vtn;
  private final int[] mark;
  private int markStamp;
  private int liveTriangles;
  private final double[] origin = new double[3];

  private QuadricSimplifier(TriangleMesh m) {
    n = m.vertexCount();
    locked = m.lockedCount();
    float[] v = m.vertices();
    if (n > 0) {
      origin[0] = v[0];
      origin[1] = v[1];
      origin[2] = v[2];
    }
    // local coordinates keep the quadrics' constant terms small far from the volume's origin
    pos = new double[3 * n];
    for (int i = 0; i < 3 * n; i++) {
      pos[i] = v[i] - origin[i % 3];
    }
    quadric = new double[10 * n];
    weight = new double[n];
    removed = new boolean[n];
    touched = new int[n];
    modified = new int[n];
    mark = new int[n];
    tri = m.triangles().clone();
    dead = new boolean[tri.length / 3];
    cachedCost = new double[tri.length];
    cacheA = new int[tri.length];
    cacheB = new int[tri.length];
    Arrays.fill(cacheA, -1);
    liveTriangles = tri.length / 3;
    vtn = new int[n];
    for (int t : tri) {
      vtn[t]++;
    }
    vt = new int[n][];
    for (int i = 0; i < n; i++) {
      vt[i] = new int[Math.max(4, vtn[i])];
      vtn[i] = 0;
    }
    for (int t = 0; t < tri.length / 3; t++) {
      for (int k = 0; k < 3; k++) {
        int a = tri[3 * t + k];
        vt[a][vtn[a]++] = t;
      }
      addPlane(t);
    }
  }

  /**
   * Simplifies {@code mesh}: collapses edges, cheap ones first, until at most {@code ratio} of the
   * triangles remain or the next collapse would move a vertex by more than {@code maxError} nm
   * (root mean square over its planes).
   *
   * @param ratio share of the triangles to keep, 0 to 1 (0: as far as {@code maxError} allows)
   * @param maxError largest error in nm ({@link Double#POSITIVE_INFINITY}: no bound)
   */
  public static TriangleMesh simplify(TriangleMesh mesh, double ratio, double maxError) {
    if (!(ratio >= 0 && ratio <= 1) || !(maxError >= 0)) {
      throw new IllegalArgumentException(
          "ratio must be in [0, 1] and maxError >= 0, not " + ratio + ", " + maxError);
    }
    if (mesh.isEmpty() || ratio >= 1) {
      return mesh;
    }
    QuadricSimplifier s = new QuadricSimplifier(mesh);
    s.run((long) Math.ceil(ratio * mesh.triangleCount()), maxError * maxError);
    return s.result(mesh);
  }

  private void addPlane(int t) {
    int a = tri[3 * t];
    int b = tri[3 * t + 1];
    int c = tri[3 * t + 2];
    double ux = pos[3 * b] - pos[3 * a];
    double uy = pos[3 * b + 1] - pos[3 * a + 1];
    double uz = pos[3 * b + 2] - pos[3 * a + 2];
    double wx = pos[3 * c] - pos[3 * a];
    double wy = pos[3 * c + 1] - pos[3 * a + 1];
    double wz = pos[3 * c + 2] - pos[3 * a + 2];
    double[] nrm = {uy * wz - uz * wy, uz * wx - ux * wz, ux * wy - uy * wx};
    double len = Math.sqrt(nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2]);
    if (len == 0) {
      return;
    }
    double area = len / 2;
    double nx = nrm[0] / len;
    double ny = nrm[1] / len;
    double nz = nrm[2] / len;
    double d = -(nx * pos[3 * a] + ny * pos[3 * a + 1] + nz * pos[3 * a + 2]);
    double[] p = {
      nx * nx, nx * ny, nx * nz, nx * d, ny * ny, ny * nz, ny * d, nz * nz, nz * d, d * d
    };
    for (int k = 0; k < 3; k++) {
      int v = tri[3 * t + k];
      for (int i = 0; i < 10; i++) {
        quadric[10 * v + i] += area * p[i];
      }
      weight[v] += area;
    }
  }

  private static double cost(double[] q, double w, double x, double y, double z) {
    double e =
        q[0] * x * x
            + 2 * q[1] * x * y
            + 2 * q[2] * x * z
            + 2 * q[3] * x
            + q[4] * y * y
            + 2 * q[5] * y * z
            + 2 * q[6] * y
            + q[7] * z * z
            + 2 * q[8] * z
            + q[9];
    return Math.max(0, e) / Math.max(w, 1e-30);
  }

  // the last plan(): cost, the vertex kept, the vertex removed, the kept vertex's new position
  private double planCost;
  private int planKeep;
  private int planRemove;
  private double planX;
  private double planY;
  private double planZ;
  private final double[] q = new double[10];

  /** Plans the collapse of edge {@code a b} into the fields above; false when both are locked. */
  private boolean plan(int a, int b) {
    boolean la = a < locked;
    boolean lb = b < locked;
    if (la && lb) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      q[i] = quadric[10 * a + i] + quadric[10 * b + i];
    }
    double w = weight[a] + weight[b];
    double ax = pos[3 * a];
    double ay = pos[3 * a + 1];
    double az = pos[3 * a + 2];
    double bx = pos[3 * b];
    double by = pos[3 * b + 1];
    double bz = pos[3 * b + 2];
    double len2 = (ax - bx) * (ax - bx) + (ay - by) * (ay - by) + (az - bz) * (az - bz);
    if (la || lb) {
      planKeep = la ? a : b;
      planRemove = la ? b : a;
      planX = pos[3 * planKeep];
      planY = pos[3 * planKeep + 1];
      planZ = pos[3 * planKeep + 2];
      planCost = cost(q, w, planX, planY, planZ);
      return true;
    }
    planKeep = a;
    planRemove = b;
    planCost = Double.POSITIVE_INFINITY;
    // the quadric's minimum, when well defined and not far from the edge
    double det =
        q[0] * (q[4] * q[7] - q[5] * q[5])
            - q[1] * (q[1] * q[7] - q[5] * q[2])
            + q[2] * (q[1] * q[5] - q[4] * q[2]);
    double scale = q[0] + q[4] + q[7];
    if (scale > 0 && Math.abs(det) > 1e-9 * scale * scale * scale) {
      double r0 = -q[3];
      double r1 = -q[6];
      double r2 = -q[8];
      double x =
          (r0 * (q[4] * q[7] - q[5] * q[5])
                  - q[1] * (r1 * q[7] - q[5] * r2)
                  + q[2] * (r1 * q[5] - q[4] * r2))
              / det;
      double y =
          (q[0] * (r1 * q[7] - r2 * q[5])
                  - r0 * (q[1] * q[7] - q[5] * q[2])
                  + q[2] * (q[1] * r2 - r1 * q[2]))
              / det;
      double z =
          (q[0] * (q[4] * r2 - q[5] * r1)
                  - q[1] * (q[1] * r2 - r1 * q[2])
                  + r0 * (q[1] * q[5] - q[4] * q[2]))
              / det;
      double mx = (ax + bx) / 2 - x;
      double my = (ay + by) / 2 - y;
      double mz = (az + bz) / 2 - z;
      if (mx * mx + my * my + mz * mz <= len2) {
        consider(cost(q, w, x, y, z), x, y, z);
      }
    }
    consider(cost(q, w, ax, ay, az), ax, ay, az);
    consider(cost(q, w, bx, by, bz), bx, by, bz);
    consider(
        cost(q, w, (ax + bx) / 2, (ay + by) / 2, (az + bz) / 2),
        (ax + bx) / 2,
        (ay + by) / 2,
        (az + bz) / 2);
    return true;
  }

  private void consider(double c, double x, double y, double z) {
    if (c < planCost) {
      planCost = c;
      planX = x;
      planY = y;
      planZ = z;
    }
  }

  private void run(long targetTriangles, double maxCost) {
    // sweeps over the triangles with a rising error threshold: each sweep collapses the edges under
    // the threshold
    // whose ends no other collapse of the sweep touched, so collapses spread over the surface; the
    // cheapest (flat
    // regions, error 0) go in the first sweeps, the dearest last. Linear per sweep, with no queue
    // to maintain.
    double threshold = Math.min(FIRST_THRESHOLD, maxCost);
    // the live triangles, compacted after each sweep: later sweeps visit only what is left
    int[] live = new int[dead.length];
    for (int t = 0; t < live.length; t++) {
      live[t] = t;
    }
    int liveCount = live.length;
    for (int sweep = 1; liveTriangles > targetTriangles; sweep++) {
      int collapsed = 0;
      boolean refused = false;
      for (int i = 0; i < liveCount && liveTriangles > targetTriangles; i++) {
        int t = live[i];
        if (dead[t]) {
          continue;
        }
        for (int k = 0; k < 3; k++) {
          int a = tri[3 * t + k];
          int b = tri[3 * t + (k + 1) % 3];
          if (touched[a] == sweep || touched[b] == sweep || a < locked && b < locked) {
            continue;
          }
          int slot = 3 * t + k;
          double c;
          if (cacheA[slot] == modified[a] && cacheB[slot] == modified[b]) {
            c = cachedCost[slot];
          } else {
            plan(a, b);
            c = planCost;
            cachedCost[slot] = c;
            cacheA[slot] = modified[a];
            cacheB[slot] = modified[b];
          }
          if (c > threshold) {
            refused |= c <= maxCost;
            continue;
          }
          plan(a, b);
          if (collapse(planKeep, planRemove, planX, planY, planZ, sweep)) {
            collapsed++;
            break;
          }
        }
      }
      int kept = 0;
      for (int i = 0; i < liveCount; i++) {
        if (!dead[live[i]]) {
          live[kept++] = live[i];
        }
      }
      liveCount = kept;
      if (collapsed == 0 && !refused) {
        // nothing under the threshold went, and nothing within the bound waits for a higher one
        return;
      }
      threshold = Math.min(maxCost, threshold * THRESHOLD_GROWTH);
    }
  }

  private boolean contains(int t, int v) {
    return tri[3 * t] == v || tri[3 * t + 1] == v || tri[3 * t + 2] == v;
  }

  private int nextStamp() {
    if (++markStamp == Integer.MAX_VALUE) {
      Arrays.fill(mark, 0);
      markStamp = 1;
    }
    return markStamp;
  }

  /**
   * Collapses {@code v} into {@code u} at {@code p}, unless that breaks the topology or turns a
   * triangle over.
   */
  private boolean collapse(int u, int v, double px, double py, double pz, int sweep) {
    // the two triangles on the edge and their opposite vertices
    int shared = 0;
    int[] opposite = new int[2];
    for (int i = 0; i < vtn[v]; i++) {
      int t = vt[v][i];
      if (contains(t, u)) {
        if (shared == 2) {
          return false;
        }
        for (int k = 0; k < 3; k++) {
          int w = tri[3 * t + k];
          if (w != u && w != v) {
            opposite[shared] = w;
          }
        }
        shared++;
      }
    }
    if (shared != 2 || vtn[u] + vtn[v] - 4 > MAX_VALENCE) {
      return false;
    }
    for (int o : opposite) {
      if (vtn[o] <= 3) {
        return false;
      }
    }
    // link condition: u and v share no neighbour but the two opposite vertices
    int s = nextStamp();
    for (int i = 0; i < vtn[u]; i++) {
      int t = vt[u][i];
      for (int k = 0; k < 3; k++) {
        mark[tri[3 * t + k]] = s;
      }
    }
    boolean uLocked = u < locked;
    for (int i = 0; i < vtn[v]; i++) {
      int t = vt[v][i];
      for (int k = 0; k < 3; k++) {
        int w = tri[3 * t + k];
        if (w != u && w != v && w != opposite[0] && w != opposite[1]) {
          // a new edge between two seam vertices could be drawn by the neighbouring block too: four
          // triangles
          // on one edge once merged
          if (mark[w] == s || (uLocked && w < locked)) {
            return false;
          }
        }
      }
    }
    // no triangle turns over (u's move, then v's triangles reattached to u)
    if (!keepsOrientation(u, v, u, px, py, pz) || !keepsOrientation(v, u, v, px, py, pz)) {
      return false;
    }
    pos[3 * u] = px;
    pos[3 * u + 1] = py;
    pos[3 * u + 2] = pz;
    for (int i = 0; i < 10; i++) {
      quadric[10 * u + i] += quadric[10 * v + i];
    }
    weight[u] += weight[v];
    for (int i = 0; i < vtn[v]; i++) {
      int t = vt[v][i];
      if (contains(t, u)) {
        dead[t] = true;
        liveTriangles--;
        for (int k = 0; k < 3; k++) {
          int w = tri[3 * t + k];
          if (w != v) {
            detach(w, t);
          }
        }
      } else {
        for (int k = 0; k < 3; k++) {
          if (tri[3 * t + k] == v) {
            tri[3 * t + k] = u;
          }
          cacheA[3 * t + k] = -1;
        }
        attach(u, t);
      }
    }
    vtn[v] = 0;
    removed[v] = true;
    modified[u]++;
    // u sits out the rest of the sweep: it just moved and took v's planes, so a second collapse
    // into it would
    // pile the region onto one vertex before the cheaper collapses elsewhere had their turn
    touched[u] = sweep;
    return true;
  }

  /**
   * Whether moving {@code moved} to {@code p} keeps the normals of {@code of}'s triangles without
   * {@code other}.
   */
  private boolean keepsOrientation(int of, int other, int moved, double px, double py, double pz) {
    for (int i = 0; i < vtn[of]; i++) {
      int t = vt[of][i];
      if (contains(t, other)) {
        continue;
      }
      // rotate the triangle so that the moved vertex comes first
      int k = tri[3 * t] == moved ? 0 : tri[3 * t + 1] == moved ? 1 : 2;
      int b = tri[3 * t + (k + 1) % 3];
      int c = tri[3 * t + (k + 2) % 3];
      double bx = pos[3 * b];
      double by = pos[3 * b + 1];
      double bz = pos[3 * b + 2];
      double cx = pos[3 * c] - bx;
      double cy = pos[3 * c + 1] - by;
      double cz = pos[3 * c + 2] - bz;
      // normals as (b - a) x (c - b), before and after a moves
      double ux = bx - pos[3 * moved];
      double uy = by - pos[3 * moved + 1];
      double uz = bz - pos[3 * moved + 2];
      double n0x = uy * cz - uz * cy;
      double n0y = uz * cx - ux * cz;
      double n0z = ux * cy - uy * cx;
      ux = bx - px;
      uy = by - py;
      uz = bz - pz;
      double n1x = uy * cz - uz * cy;
      double n1y = uz * cx - ux * cz;
      double n1z = ux * cy - uy * cx;
      double dot = n0x * n1x + n0y * n1y + n0z * n1z;
      double l0 = Math.sqrt(n0x * n0x + n0y * n0y + n0z * n0z);
      double l1 = Math.sqrt(n1x * n1x + n1y * n1y + n1z * n1z);
      if (l1 == 0 || dot < MIN_COS * l0 * l1) {
        return false;
      }
    }
    return true;
  }

  private void attach(int v, int t) {
    if (vtn[v] == vt[v].length) {
      vt[v] = Arrays.copyOf(vt[v], vt[v].length * 2);
    }
    vt[v][vtn[v]++] = t;
  }

  private void detach(int v, int t) {
    for (int i = 0; i < vtn[v]; i++) {
      if (vt[v][i] == t) {
        vt[v][i] = vt[v][--vtn[v]];
        return;
      }
    }
  }

  private TriangleMesh result(TriangleMesh in) {
    int[] newIndex = new int[n];
    int kept = 0;
    for (int v = 0; v < n; v++) {
      newIndex[v] = removed[v] ? -1 : kept++;
    }
    float[] out = new float[3 * kept];
    float[] original = in.vertices();
    for (int v = 0; v < n; v++) {
      int w = newIndex[v];
      if (w < 0) {
        continue;
      }
      for (int k = 0; k < 3; k++) {
        // locked vertices keep their exact bits: the seam's other side has the same floats
        out[3 * w + k] = v < locked ? original[3 * v + k] : (float) (pos[3 * v + k] + origin[k]);
      }
    }
    int[] tris = new int[3 * liveTriangles];
    int j = 0;
    for (int t = 0; t < dead.length; t++) {
      if (!dead[t]) {
        for (int k = 0; k < 3; k++) {
          tris[j++] = newIndex[tri[3 * t + k]];
        }
      }
    }
    return new TriangleMesh(out, tris, locked, in.lockedKeys());
  }
}
