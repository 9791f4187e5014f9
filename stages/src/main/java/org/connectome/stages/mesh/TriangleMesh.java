package org.connectome.stages.mesh;

import java.util.Arrays;

/**
 * A triangle mesh of one segment: vertex positions in nanometres ({@code x, y, z} per vertex) and
 * triangles as vertex index triples, counter-clockwise seen from outside (normals point out of the
 * segment). The first {@link #lockedCount()} vertices lie on a block face shared with a
 * neighbouring block; {@link #lockedKeys()} holds their exact grid positions (doubled voxel
 * coordinates, integers), by which mesh.merge joins the blocks.
 */
public final class TriangleMesh {
  private final float[] vertices;
  private final int[] triangles;
  private final int lockedCount;
  private final int[] lockedKeys;

  /**
   * @param vertices {@code 3 n} floats
   * @param triangles {@code 3 m} indices below {@code n}
   * @param lockedCount vertices at the start that stay fixed (block seams)
   * @param lockedKeys {@code 3 lockedCount} doubled voxel coordinates of the locked vertices
   */
  public TriangleMesh(float[] vertices, int[] triangles, int lockedCount, int[] lockedKeys) {
    if (vertices.length % 3 != 0 || triangles.length % 3 != 0) {
      throw new IllegalArgumentException("vertex and triangle arrays must hold triples");
    }
    if (lockedCount < 0
        || lockedCount > vertices.length / 3
        || lockedKeys.length != 3 * lockedCount) {
      throw new IllegalArgumentException(
          "locked vertices: " + lockedCount + " with " + lockedKeys.length + " keys");
    }
    int n = vertices.length / 3;
    for (int t : triangles) {
      if (t < 0 || t >= n) {
        throw new IllegalArgumentException("triangle index " + t + " outside 0.." + (n - 1));
      }
    }
    this.vertices = vertices;
    this.triangles = triangles;
    this.lockedCount = lockedCount;
    this.lockedKeys = lockedKeys;
  }

  /** A mesh without locked vertices. */
  public static TriangleMesh of(float[] vertices, int[] triangles) {
    return new TriangleMesh(vertices, triangles, 0, new int[0]);
  }

  public static TriangleMesh empty() {
    return of(new float[0], new int[0]);
  }

  /** The positions, shared (not copied). */
  public float[] vertices() {
    return vertices;
  }

  /** The triangles, shared (not copied). */
  public int[] triangles() {
    return triangles;
  }

  public int vertexCount() {
    return vertices.length / 3;
  }

  public int triangleCount() {
    return triangles.length / 3;
  }

  public int lockedCount() {
    return lockedCount;
  }

  public int[] lockedKeys() {
    return lockedKeys;
  }

  public boolean isEmpty() {
    return triangles.length == 0;
  }

  /**
   * The enclosed volume (nm^3) by the divergence theorem: exact for a closed mesh, positive when
   * normals point out.
   */
  public double signedVolume() {
    double v = 0;
    for (int t = 0; t < triangles.length; t += 3) {
      int a = 3 * triangles[t];
      int b = 3 * triangles[t + 1];
      int c = 3 * triangles[t + 2];
      double ax = vertices[a];
      double ay = vertices[a + 1];
      double az = vertices[a + 2];
      double bx = vertices[b];
      double by = vertices[b + 1];
      double bz = vertices[b + 2];
      double cx = vertices[c];
      double cy = vertices[c + 1];
      double cz = vertices[c + 2];
      v += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
    }
    return v / 6;
  }

  /** The surface area (nm^2). */
  public double area() {
    double s = 0;
    for (int t = 0; t < triangles.length; t += 3) {
      double[] n = normal(vertices, triangles[t], triangles[t + 1], triangles[t + 2]);
      s += Math.sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]) / 2;
    }
    return s;
  }

  /** The (unnormalised, twice the area) normal of triangle {@code a b c}. */
  static double[] normal(float[] v, int a, int b, int c) {
    double ux = v[3 * b] - v[3 * a];
    double uy = v[3 * b + 1] - v[3 * a + 1];
    double uz = v[3 * b + 2] - v[3 * a + 2];
    double wx = v[3 * c] - v[3 * a];
    double wy = v[3 * c + 1] - v[3 * a + 1];
    double wz = v[3 * c + 2] - v[3 * a + 2];
    return new double[] {uy * wz - uz * wy, uz * wx - ux * wz, ux * wy - uy * wx};
  }

  /**
   * Edges whose two sides do not match: a directed edge used twice, or without its reverse. Zero
   * means the mesh is closed (watertight), every edge joins exactly two triangles, and the
   * triangles are oriented consistently.
   */
  public long unmatchedEdges() {
    int m = triangles.length;
    if (m == 0) {
      return 0;
    }
    long n = vertexCount();
    long[] directed = new long[m];
    for (int t = 0; t < m; t += 3) {
      for (int k = 0; k < 3; k++) {
        directed[t + k] = triangles[t + k] * n + triangles[t + (k + 1) % 3];
      }
    }
    Arrays.sort(directed);
    long bad = 0;
    for (int i = 0; i < m; i++) {
      long e = directed[i];
      if (i > 0 && directed[i - 1] == e) {
        bad++;
        continue;
      }
      long reverse = (e % n) * n + e / n;
      if (Arrays.binarySearch(directed, reverse) < 0) {
        bad++;
      }
    }
    return bad;
  }

  /** Closed and consistently oriented: see {@link #unmatchedEdges()}. */
  public boolean isWatertight() {
    return !isEmpty() && unmatchedEdges() == 0;
  }

  /** Vertices no triangle uses. */
  public int unusedVertices() {
    boolean[] used = new boolean[vertexCount()];
    for (int t : triangles) {
      used[t] = true;
    }
    int u = 0;
    for (boolean b : used) {
      u += b ? 0 : 1;
    }
    return u;
  }
}
