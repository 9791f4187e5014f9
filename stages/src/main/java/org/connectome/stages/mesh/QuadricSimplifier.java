package org.connectome.stages.mesh;

import java.util.Arrays;

/**
 * Quadric edge-collapse simplification (Garland and Heckbert): every vertex carries the sum of the planes of the
 * triangles around it (area weighted), and the cheapest edge (the collapsed vertex's mean squared distance to its
 * planes, nm^2) collapses next, to the position that minimises it. The mesh's locked vertices (block seams) never
 * move and are never removed, so a block's simplified mesh still meets its neighbours' exactly; an edge with one
 * locked end collapses onto it.
 *
 * <p>A collapse is refused when it would change the topology (the two ends share neighbours other than the two
 * opposite vertices, or an opposite vertex would be left with fewer than three triangles), turn a triangle over, or
 * join two locked vertices by a new edge (the neighbouring block could draw the same edge on its side), so a closed
 * mesh stays closed and consistently oriented, and so do the blocks' meshes once merged.
 */
public final class QuadricSimplifier {
  /** A collapse may tilt a surviving triangle's normal by at most about 84 degrees. */
  static final double MIN_COS = 0.1;

  private final int n;
  private final int locked;
  private final double[] pos;
  private final double[] quadric;
  private final double[] weight;
  private final boolean[] removed;
  private final int[] version;
  private final int[] tri;
  private final boolean[] dead;
  private final int[][] vt;
  private final int[] vtn;
  private final int[] mark;
  private int markStamp;
  private int liveTriangles;
  private final EdgeHeap heap = new EdgeHeap();
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
    version = new int[n];
    mark = new int[n];
    tri = m.triangles().clone();
    dead = new boolean[tri.length / 3];
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
   * Simplifies {@code mesh}: collapses edges, cheapest first, until at most {@code ratio} of the triangles remain or
   * the next collapse would move a vertex by more than {@code maxError} nm (root mean square over its planes).
   *
   * @param ratio    share of the triangles to keep, 0 to 1 (0: as far as {@code maxError} allows)
   * @param maxError largest error in nm ({@link Double#POSITIVE_INFINITY}: no bound)
   */
  public static TriangleMesh simplify(TriangleMesh mesh, double ratio, double maxError) {
    if (!(ratio >= 0 && ratio <= 1) || !(maxError >= 0)) {
      throw new IllegalArgumentException("ratio must be in [0, 1] and maxError >= 0, not " + ratio + ", " + maxError);
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
    double[] nrm = normal(a, b, c, -1, null);
    double len = Math.sqrt(nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2]);
    if (len == 0) {
      return;
    }
    double area = len / 2;
    double nx = nrm[0] / len;
    double ny = nrm[1] / len;
    double nz = nrm[2] / len;
    double d = -(nx * pos[3 * a] + ny * pos[3 * a + 1] + nz * pos[3 * a + 2]);
    double[] p = {nx * nx, nx * ny, nx * nz, nx * d, ny * ny, ny * nz, ny * d, nz * nz, nz * d, d * d};
    for (int k = 0; k < 3; k++) {
      int v = tri[3 * t + k];
      for (int i = 0; i < 10; i++) {
        quadric[10 * v + i] += area * p[i];
      }
      weight[v] += area;
    }
  }

  /** The normal (twice the area) of a b c, with vertex {@code moved} at {@code to} when given. */
  private double[] normal(int a, int b, int c, int moved, double[] to) {
    double[] pa = at(a, moved, to);
    double[] pb = at(b, moved, to);
    double[] pc = at(c, moved, to);
    double ux = pb[0] - pa[0];
    double uy = pb[1] - pa[1];
    double uz = pb[2] - pa[2];
    double wx = pc[0] - pa[0];
    double wy = pc[1] - pa[1];
    double wz = pc[2] - pa[2];
    return new double[] {uy * wz - uz * wy, uz * wx - ux * wz, ux * wy - uy * wx};
  }

  private double[] at(int v, int moved, double[] to) {
    return v == moved ? to : new double[] {pos[3 * v], pos[3 * v + 1], pos[3 * v + 2]};
  }

  private static double cost(double[] q, double w, double x, double y, double z) {
    double e = q[0] * x * x + 2 * q[1] * x * y + 2 * q[2] * x * z + 2 * q[3] * x + q[4] * y * y + 2 * q[5] * y * z
        + 2 * q[6] * y + q[7] * z * z + 2 * q[8] * z + q[9];
    return Math.max(0, e) / Math.max(w, 1e-30);
  }

  /** The collapse of edge {@code a b}: {@code {cost, keep, remove, x, y, z}}, or null when both are locked. */
  private double[] plan(int a, int b) {
    boolean la = a < locked;
    boolean lb = b < locked;
    if (la && lb) {
      return null;
    }
    double[] q = new double[10];
    for (int i = 0; i < 10; i++) {
      q[i] = quadric[10 * a + i] + quadric[10 * b + i];
    }
    double w = weight[a] + weight[b];
    if (la || lb) {
      int keep = la ? a : b;
      int remove = la ? b : a;
      double x = pos[3 * keep];
      double y = pos[3 * keep + 1];
      double z = pos[3 * keep + 2];
      return new double[] {cost(q, w, x, y, z), keep, remove, x, y, z};
    }
    double ax = pos[3 * a];
    double ay = pos[3 * a + 1];
    double az = pos[3 * a + 2];
    double bx = pos[3 * b];
    double by = pos[3 * b + 1];
    double bz = pos[3 * b + 2];
    double[] best = null;
    // the quadric's minimum, when well defined and not far from the edge
    double det = q[0] * (q[4] * q[7] - q[5] * q[5]) - q[1] * (q[1] * q[7] - q[5] * q[2])
        + q[2] * (q[1] * q[5] - q[4] * q[2]);
    double scale = q[0] + q[4] + q[7];
    if (Math.abs(det) > 1e-9 * scale * scale * scale && scale > 0) {
      double r0 = -q[3];
      double r1 = -q[6];
      double r2 = -q[8];
      double x = (r0 * (q[4] * q[7] - q[5] * q[5]) - q[1] * (r1 * q[7] - q[5] * r2) + q[2] * (r1 * q[5] - q[4] * r2))
          / det;
      double y = (q[0] * (r1 * q[7] - r2 * q[5]) - r0 * (q[1] * q[7] - q[5] * q[2]) + q[2] * (q[1] * r2 - r1 * q[2]))
          / det;
      double z = (q[0] * (q[4] * r2 - q[5] * r1) - q[1] * (q[1] * r2 - r1 * q[2]) + r0 * (q[1] * q[5] - q[4] * q[2]))
          / det;
      double mx = (ax + bx) / 2 - x;
      double my = (ay + by) / 2 - y;
      double mz = (az + bz) / 2 - z;
      double len2 = (ax - bx) * (ax - bx) + (ay - by) * (ay - by) + (az - bz) * (az - bz);
      if (mx * mx + my * my + mz * mz <= len2) {
        best = new double[] {cost(q, w, x, y, z), a, b, x, y, z};
      }
    }
    double[][] candidates = {{ax, ay, az}, {bx, by, bz}, {(ax + bx) / 2, (ay + by) / 2, (az + bz) / 2}};
    for (double[] c : candidates) {
      double e = cost(q, w, c[0], c[1], c[2]);
      if (best == null || e < best[0]) {
        best = new double[] {e, a, b, c[0], c[1], c[2]};
      }
    }
    return best;
  }

  private void push(int a, int b) {
    double[] p = plan(a, b);
    if (p != null) {
      heap.add(p[0], a, b, version[a], version[b]);
    }
  }

  private void run(long targetTriangles, double maxCost) {
    for (int t = 0; t < tri.length / 3; t++) {
      for (int k = 0; k < 3; k++) {
        int a = tri[3 * t + k];
        int b = tri[3 * t + (k + 1) % 3];
        if (a < b) {
          push(a, b);
        }
      }
    }
    while (liveTriangles > targetTriangles && heap.size() > 0) {
      double c = heap.topCost();
      int a = heap.topA();
      int b = heap.topB();
      boolean current = heap.topVersionA() == version[a] && heap.topVersionB() == version[b] && !removed[a]
          && !removed[b];
      heap.pop();
      if (!current) {
        continue;
      }
      if (c > maxCost) {
        break;
      }
      double[] p = plan(a, b);
      collapse((int) p[1], (int) p[2], new double[] {p[3], p[4], p[5]});
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

  /** Collapses {@code v} into {@code u} at {@code p}, unless that breaks the topology or turns a triangle over. */
  private boolean collapse(int u, int v, double[] p) {
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
    if (shared != 2) {
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
          // a new edge between two seam vertices could be drawn by the neighbouring block too: four triangles
          // on one edge once merged
          if (mark[w] == s || (uLocked && w < locked)) {
            return false;
          }
        }
      }
    }
    // no triangle turns over (u's move, then v's triangles reattached to u)
    if (!keepsOrientation(u, v, u, p) || !keepsOrientation(v, u, v, p)) {
      return false;
    }
    pos[3 * u] = p[0];
    pos[3 * u + 1] = p[1];
    pos[3 * u + 2] = p[2];
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
        }
        attach(u, t);
      }
    }
    vtn[v] = 0;
    removed[v] = true;
    version[u]++;
    int s2 = nextStamp();
    mark[u] = s2;
    for (int i = 0; i < vtn[u]; i++) {
      int t = vt[u][i];
      for (int k = 0; k < 3; k++) {
        int w = tri[3 * t + k];
        if (mark[w] != s2) {
          mark[w] = s2;
          push(Math.min(u, w), Math.max(u, w));
        }
      }
    }
    return true;
  }

  /** Whether moving {@code moved} to {@code p} keeps the normals of {@code of}'s triangles without {@code other}. */
  private boolean keepsOrientation(int of, int other, int moved, double[] p) {
    for (int i = 0; i < vtn[of]; i++) {
      int t = vt[of][i];
      if (contains(t, other)) {
        continue;
      }
      int a = tri[3 * t];
      int b = tri[3 * t + 1];
      int c = tri[3 * t + 2];
      double[] before = normal(a, b, c, -1, null);
      double[] after = normal(a, b, c, moved, p);
      double dot = before[0] * after[0] + before[1] * after[1] + before[2] * after[2];
      double lb = Math.sqrt(before[0] * before[0] + before[1] * before[1] + before[2] * before[2]);
      double la = Math.sqrt(after[0] * after[0] + after[1] * after[1] + after[2] * after[2]);
      if (la == 0 || dot < MIN_COS * la * lb) {
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

  /** A binary min-heap of candidate collapses in parallel primitive arrays, ties broken by vertex indices. */
  private static final class EdgeHeap {
    private double[] cost = new double[64];
    private int[] a = new int[64];
    private int[] b = new int[64];
    private int[] va = new int[64];
    private int[] vb = new int[64];
    private int size;

    int size() {
      return size;
    }

    double topCost() {
      return cost[0];
    }

    int topA() {
      return a[0];
    }

    int topB() {
      return b[0];
    }

    int topVersionA() {
      return va[0];
    }

    int topVersionB() {
      return vb[0];
    }

    void add(double c, int x, int y, int vx, int vy) {
      if (size == cost.length) {
        int cap = size * 2;
        cost = Arrays.copyOf(cost, cap);
        a = Arrays.copyOf(a, cap);
        b = Arrays.copyOf(b, cap);
        va = Arrays.copyOf(va, cap);
        vb = Arrays.copyOf(vb, cap);
      }
      int i = size++;
      set(i, c, x, y, vx, vy);
      while (i > 0) {
        int parent = (i - 1) / 2;
        if (!less(i, parent)) {
          break;
        }
        swap(i, parent);
        i = parent;
      }
    }

    void pop() {
      size--;
      if (size == 0) {
        return;
      }
      set(0, cost[size], a[size], b[size], va[size], vb[size]);
      int i = 0;
      while (true) {
        int l = 2 * i + 1;
        int r = l + 1;
        int m = i;
        if (l < size && less(l, m)) {
          m = l;
        }
        if (r < size && less(r, m)) {
          m = r;
        }
        if (m == i) {
          return;
        }
        swap(i, m);
        i = m;
      }
    }

    private boolean less(int i, int j) {
      if (cost[i] != cost[j]) {
        return cost[i] < cost[j];
      }
      return a[i] != a[j] ? a[i] < a[j] : b[i] < b[j];
    }

    private void set(int i, double c, int x, int y, int vx, int vy) {
      cost[i] = c;
      a[i] = x;
      b[i] = y;
      va[i] = vx;
      vb[i] = vy;
    }

    private void swap(int i, int j) {
      double c = cost[i];
      int x = a[i];
      int y = b[i];
      int vx = va[i];
      int vy = vb[i];
      set(i, cost[j], a[j], b[j], va[j], vb[j]);
      set(j, c, x, y, vx, vy);
    }
  }
}
