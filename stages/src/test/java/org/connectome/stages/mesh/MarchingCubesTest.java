package org.connectome.stages.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MarchingCubesTest {
  static final double[] RES = {8, 8, 33};

  /**
   * A ball of radius {@code r} nm around the volume's centre, voxelised at {@code res}, as label
   * {@code id}.
   */
  static long[] ball(int sx, int sy, int sz, double[] res, double r, long id) {
    long[] l = new long[sx * sy * sz];
    for (int z = 0; z < sz; z++) {
      for (int y = 0; y < sy; y++) {
        for (int x = 0; x < sx; x++) {
          double dx = (x - (sx - 1) / 2.0) * res[0];
          double dy = (y - (sy - 1) / 2.0) * res[1];
          double dz = (z - (sz - 1) / 2.0) * res[2];
          if (dx * dx + dy * dy + dz * dz <= r * r) {
            l[x + sx * (y + sy * z)] = id;
          }
        }
      }
    }
    return l;
  }

  static long count(long[] l, long id) {
    long n = 0;
    for (long v : l) {
      n += v == id ? 1 : 0;
    }
    return n;
  }

  @Test
  void everyCaseCutsFacesConsistentlyAndClosesItsLoops() {
    // the table: a configuration and its complement cut every face alike except on ambiguous faces,
    // and every
    // crossing edge (ends on different sides) is in exactly one loop once
    for (int c = 1; c < 255; c++) {
      int[] uses = new int[12];
      for (int[] loop : MarchingCubes.LOOPS[c]) {
        assertTrue(loop.length >= 3, "case " + c);
        for (int e : loop) {
          uses[e]++;
        }
      }
      for (int e = 0; e < 12; e++) {
        boolean crossing =
            ((c >> MarchingCubes.EDGES[e][0]) & 1) != ((c >> MarchingCubes.EDGES[e][1]) & 1);
        assertEquals(crossing ? 1 : 0, uses[e], "case " + c + " edge " + e);
      }
    }
    assertEquals(0, MarchingCubes.LOOPS[0].length);
    assertEquals(0, MarchingCubes.LOOPS[255].length);
  }

  @Test
  void everyPairOfCubesSharingAFaceJoinsClosed() {
    // all 4096 binary patterns of two cubes sharing a face, along each axis: every pair of cases
    // meets, including
    // two ambiguous faces against each other, where fan diagonals could lie in the shared face
    int[][] shapes = {{2, 2, 3}, {2, 3, 2}, {3, 2, 2}};
    for (int[] s : shapes) {
      for (int bits = 1; bits < 1 << 12; bits++) {
        long[] l = new long[12];
        for (int i = 0; i < 12; i++) {
          l[i] = (bits >> i) & 1;
        }
        TriangleMesh m = MarchingCubes.meshVolume(l, s[0], s[1], s[2], RES).get(1L);
        assertEquals(
            0, m.unmatchedEdges(), "pattern " + bits + " in " + java.util.Arrays.toString(s));
        assertTrue(m.signedVolume() > 0);
      }
    }
  }

  @Test
  void aBoxGivesTheExactChamferedVolumeAndAreaClosedAndOutward() {
    int a = 7;
    int b = 5;
    int c = 3;
    int sx = 11;
    int sy = 9;
    int sz = 6;
    long[] l = new long[sx * sy * sz];
    for (int z = 1; z < 1 + c; z++) {
      for (int y = 2; y < 2 + b; y++) {
        for (int x = 3; x < 3 + a; x++) {
          l[x + sx * (y + sy * z)] = 42;
        }
      }
    }
    TriangleMesh m = MarchingCubes.meshVolume(l, sx, sy, sz, RES).get(42L);
    assertTrue(m.isWatertight());
    assertEquals(0, m.unusedVertices());
    // per cube (voxel units): inside 1, face cube 1/2, edge cube 1/8, corner cube 1/48
    double voxels =
        (a - 1) * (b - 1) * (c - 1)
            + ((a - 1) * (b - 1) + (a - 1) * (c - 1) + (b - 1) * (c - 1))
            + 0.5 * ((a - 1) + (b - 1) + (c - 1))
            + 8.0 / 48;
    assertEquals(voxels * 8 * 8 * 33, m.signedVolume(), 1e-6 * voxels * 8 * 8 * 33);
    double rx = RES[0];
    double ry = RES[1];
    double rz = RES[2];
    double area =
        2
                * ((b - 1) * (c - 1) * ry * rz
                    + (a - 1) * (c - 1) * rx * rz
                    + (a - 1) * (b - 1) * rx * ry)
            + 4
                * ((c - 1) * 0.5 * Math.hypot(rx, ry) * rz
                    + (a - 1) * 0.5 * Math.hypot(ry, rz) * rx
                    + (b - 1) * 0.5 * Math.hypot(rx, rz) * ry)
            + 8 * 0.125 * Math.sqrt(ry * rz * ry * rz + rx * rz * rx * rz + rx * ry * rx * ry);
    assertEquals(area, m.area(), 1e-6 * area);
    // flat faces lie on the voxel faces: x from 3 to 3 + a voxels, in Neuroglancer's frame
    float minX = Float.MAX_VALUE;
    float maxX = -Float.MAX_VALUE;
    for (int v = 0; v < m.vertexCount(); v++) {
      minX = Math.min(minX, m.vertices()[3 * v]);
      maxX = Math.max(maxX, m.vertices()[3 * v]);
    }
    assertEquals(3 * 8, minX, 1e-4);
    assertEquals((3 + a) * 8, maxX, 1e-4);
  }

  @Test
  void aBallIsClosedWithVolumeAndAreaNearTheSphere() {
    // anisotropic like the data (8 x 8 x 33 nm): 45 voxels across in x and y, 11 planes
    checkBall(RES, 180, 52, 50, 15, 0.02, 0.25);
    // isotropic and finer: the area's staircase excess shrinks
    checkBall(new double[] {1, 1, 1}, 12, 30, 30, 30, 0.02, 0.10);
  }

  private static void checkBall(
      double[] res,
      double r,
      int sx,
      int sy,
      int sz,
      double volumeTolerance,
      double areaTolerance) {
    long[] l = ball(sx, sy, sz, res, r, 7);
    Map<Long, TriangleMesh> meshes = MarchingCubes.meshVolume(l, sx, sy, sz, res);
    assertEquals(1, meshes.size());
    TriangleMesh m = meshes.get(7L);
    assertTrue(m.isWatertight());
    double sphere = 4.0 / 3 * Math.PI * r * r * r;
    double voxels = count(l, 7) * res[0] * res[1] * res[2];
    // the mesh cuts the voxels' edges and corners: a little below the voxel volume, near the
    // sphere's
    assertTrue(m.signedVolume() < voxels, m.signedVolume() + " vs " + voxels);
    double v = m.signedVolume() / sphere;
    double a = m.area() / (4 * Math.PI * r * r);
    System.out.printf(
        "ball r=%.0f res=%s: volume/sphere %.4f, area/sphere %.4f, voxels/sphere %.4f%n",
        r, java.util.Arrays.toString(res), v, a, voxels / sphere);
    assertEquals(1, v, volumeTolerance, "volume " + m.signedVolume() + " sphere " + sphere);
    assertEquals(1, a, areaTolerance, "area " + m.area());
  }

  @Test
  void randomLabelsGiveClosedConsistentMeshesForEverySegment() {
    int sx = 13;
    int sy = 11;
    int sz = 9;
    SplittableRandom rnd = new SplittableRandom(11);
    long[] l = new long[sx * sy * sz];
    for (int i = 0; i < l.length; i++) {
      l[i] =
          rnd.nextInt(
              4); // 0 is background: three segments in a noisy tangle, every ambiguous case occurs
    }
    Map<Long, TriangleMesh> meshes = MarchingCubes.meshVolume(l, sx, sy, sz, RES);
    assertEquals(3, meshes.size());
    for (var e : meshes.entrySet()) {
      assertEquals(0, e.getValue().unmatchedEdges(), "segment " + e.getKey());
      assertTrue(e.getValue().signedVolume() > 0);
    }
  }

  @Test
  void twoVoxelsTouchingAlongAnEdgeAreTwoClosedParts() {
    int sx = 4;
    int sy = 4;
    int sz = 3;
    long[] l = new long[sx * sy * sz];
    l[1 + sx * (1 + sy)] = 5;
    l[2 + sx * (2 + sy)] = 5;
    TriangleMesh m = MarchingCubes.meshVolume(l, sx, sy, sz, new double[] {1, 1, 1}).get(5L);
    assertTrue(m.isWatertight());
    // two octahedra (6 vertices, 8 faces each): inside is 6-connected, diagonal voxels stay apart
    assertEquals(12, m.vertexCount());
    assertEquals(16, m.triangleCount());
    assertEquals(2.0 / 6, m.signedVolume(), 1e-9);
  }

  /**
   * The vertex index keeps two sections of edges and one vertex per label at either end of an edge:
   * over many sections and many labels (more than the builders' cache holds, negative ids among
   * them), each segment has one vertex per surface position and no triangle reaches outside a cube.
   */
  @Test
  void manyLabelsOverManySectionsShareEachVertexAndKeepTrianglesInOneCube() {
    int sx = 17;
    int sy = 14;
    int sz = 23;
    SplittableRandom rnd = new SplittableRandom(18);
    long[] ids = new long[150];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = rnd.nextLong() | 1; // never 0, the top bit in about half of them
    }
    long[] l = new long[sx * sy * sz];
    for (int i = 0; i < l.length; i++) {
      // runs along x, so segments touch each other as well as the background
      l[i] =
          i % sx > 0 && rnd.nextInt(3) > 0
              ? l[i - 1]
              : rnd.nextInt(4) == 0 ? 0 : ids[rnd.nextInt(ids.length)];
    }
    Map<Long, TriangleMesh> meshes = MarchingCubes.meshVolume(l, sx, sy, sz, RES);
    for (long id : ids) {
      if (count(l, id) > 0) {
        assertTrue(meshes.containsKey(id), "segment " + id);
      }
    }
    for (var e : meshes.entrySet()) {
      TriangleMesh m = e.getValue();
      assertEquals(0, m.unmatchedEdges(), "segment " + e.getKey());
      assertTrue(m.signedVolume() > 0, "segment " + e.getKey());
      float[] v = m.vertices();
      java.util.Set<java.util.List<Float>> positions = new java.util.HashSet<>();
      for (int i = 0; i < m.vertexCount(); i++) {
        assertTrue(
            positions.add(java.util.List.of(v[3 * i], v[3 * i + 1], v[3 * i + 2])),
            "segment " + e.getKey() + ": two vertices at one position");
      }
      int[] t = m.triangles();
      for (int i = 0; i < t.length; i += 3) {
        for (int a = 0; a < 3; a++) {
          float lo = Math.min(v[3 * t[i] + a], Math.min(v[3 * t[i + 1] + a], v[3 * t[i + 2] + a]));
          float hi = Math.max(v[3 * t[i] + a], Math.max(v[3 * t[i + 1] + a], v[3 * t[i + 2] + a]));
          assertTrue(
              hi - lo <= RES[a],
              "segment " + e.getKey() + ": a triangle spans " + (hi - lo) + " nm on axis " + a);
        }
      }
    }
  }
}
