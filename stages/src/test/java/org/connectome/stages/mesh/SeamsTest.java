package org.connectome.stages.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.LabelVolume;
import org.junit.jupiter.api.Test;

/** Blocks meshed apart and merged back: seams, simplification. */
class SeamsTest {
  static final double[] RES = MarchingCubesTest.RES;

  /**
   * Meshes every block of {@code grid} over the in-memory labels and merges each segment's parts.
   */
  static Map<Long, TriangleMesh> blockwise(
      long[] labels,
      Vec3 volume,
      Vec3 block,
      MeshParams.Simplify simplify,
      Map<Long, List<TriangleMesh>> partsOut)
      throws Exception {
    int sx = (int) volume.x();
    int sy = (int) volume.y();
    LabelVolume all = new LabelVolume(sx, sy, (int) volume.z(), 1, labels);
    BlockGrid grid = new BlockGrid(volume, block, new Vec3(1, 1, 1));
    Map<Long, List<TriangleMesh>> parts = partsOut == null ? new TreeMap<>() : partsOut;
    for (long u = 0; u < grid.blockCount(); u++) {
      Map<Long, BlockMesher.Part> b =
          BlockMesher.mesh(
              grid.core(u),
              volume,
              box ->
                  all.crop(
                      (int) box.start().x(),
                      (int) box.start().y(),
                      (int) box.start().z(),
                      (int) box.size().x(),
                      (int) box.size().y(),
                      (int) box.size().z()),
              RES,
              simplify);
      b.forEach((id, p) -> parts.computeIfAbsent(id, k -> new ArrayList<>()).add(p.mesh()));
    }
    Map<Long, TriangleMesh> out = new TreeMap<>();
    parts.forEach((id, l) -> out.put(id, SeamMerge.merge(l)));
    return out;
  }

  /**
   * Triangles as sets of positions (order-free, index-free), each rotated to start at its smallest
   * vertex.
   */
  static Set<List<Float>> triangleSet(TriangleMesh m) {
    Set<List<Float>> s = new HashSet<>();
    for (int t = 0; t < m.triangleCount(); t++) {
      List<List<Float>> corners = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        int v = m.triangles()[3 * t + k];
        corners.add(List.of(m.vertices()[3 * v], m.vertices()[3 * v + 1], m.vertices()[3 * v + 2]));
      }
      int first = 0;
      for (int k = 1; k < 3; k++) {
        if (corners.get(k).toString().compareTo(corners.get(first).toString()) < 0) {
          first = k;
        }
      }
      List<Float> flat = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        flat.addAll(corners.get((first + k) % 3));
      }
      s.add(flat);
    }
    return s;
  }

  static int distinctPositions(TriangleMesh m) {
    Set<List<Float>> s = new HashSet<>();
    for (int v = 0; v < m.vertexCount(); v++) {
      s.add(List.of(m.vertices()[3 * v], m.vertices()[3 * v + 1], m.vertices()[3 * v + 2]));
    }
    return s.size();
  }

  @Test
  void aBallSplitAcrossBlocksMergesBackIntoTheWholeMeshWithoutDuplicatedSeamVertices()
      throws Exception {
    Vec3 volume = new Vec3(52, 50, 15);
    long[] l = MarchingCubesTest.ball(52, 50, 15, RES, 180, 9);
    TriangleMesh whole = MarchingCubes.meshVolume(l, 52, 50, 15, RES).get(9L);
    Map<Long, List<TriangleMesh>> parts = new TreeMap<>();
    // 3 x 3 x 3 blocks: seams on every axis, corners where eight blocks meet
    TriangleMesh merged = blockwise(l, volume, new Vec3(20, 18, 6), null, parts).get(9L);
    // the ball reaches into 22 of the 27 blocks (not the corners'), each part ends on a seam
    assertEquals(22, parts.get(9L).size());
    assertTrue(parts.get(9L).stream().allMatch(p -> p.lockedCount() > 0));
    assertTrue(merged.isWatertight());
    assertEquals(whole.vertexCount(), merged.vertexCount());
    assertEquals(merged.vertexCount(), distinctPositions(merged), "a seam vertex is duplicated");
    assertEquals(whole.triangleCount(), merged.triangleCount());
    assertEquals(triangleSet(whole), triangleSet(merged));
    assertEquals(whole.signedVolume(), merged.signedVolume(), 1e-6 * whole.signedVolume());
  }

  @Test
  void simplificationKeepsTheSeamsClosedAndReducesTriangles() throws Exception {
    Vec3 volume = new Vec3(52, 50, 15);
    long[] l = MarchingCubesTest.ball(52, 50, 15, RES, 180, 9);
    Map<Long, List<TriangleMesh>> raw = new TreeMap<>();
    TriangleMesh full = blockwise(l, volume, new Vec3(20, 18, 6), null, raw).get(9L);
    Map<Long, List<TriangleMesh>> simple = new TreeMap<>();
    TriangleMesh merged =
        blockwise(l, volume, new Vec3(20, 18, 6), new MeshParams.Simplify(0.2, 1000), simple)
            .get(9L);
    for (int b = 0; b < raw.get(9L).size(); b++) {
      TriangleMesh before = raw.get(9L).get(b);
      TriangleMesh after = simple.get(9L).get(b);
      // every seam vertex is still there, bit for bit, and in the same order
      assertEquals(before.lockedCount(), after.lockedCount());
      for (int i = 0; i < 3 * before.lockedCount(); i++) {
        assertEquals(before.vertices()[i], after.vertices()[i]);
        assertEquals(before.lockedKeys()[i], after.lockedKeys()[i]);
      }
      assertTrue(after.triangleCount() <= before.triangleCount());
    }
    assertTrue(merged.isWatertight());
    assertEquals(0, merged.unusedVertices());
    System.out.printf(
        "ball: %d -> %d triangles, volume %.4f of the unsimplified%n",
        full.triangleCount(), merged.triangleCount(), merged.signedVolume() / full.signedVolume());
    // the seams' vertices cannot go, so a block keeps more than the ratio; the whole still loses
    // most
    assertTrue(
        merged.triangleCount() < 0.45 * full.triangleCount(),
        merged.triangleCount() + " of " + full.triangleCount());
    assertEquals(1, merged.signedVolume() / full.signedVolume(), 0.03);
  }

  @Test
  void flatFacesCollapseAtNoErrorAndTheBoxKeepsItsVolume() {
    int sx = 30;
    int sy = 20;
    int sz = 10;
    long[] l = new long[sx * sy * sz];
    for (int z = 2; z < 8; z++) {
      for (int y = 3; y < 17; y++) {
        for (int x = 4; x < 26; x++) {
          l[x + sx * (y + sy * z)] = 1;
        }
      }
    }
    TriangleMesh m = MarchingCubes.meshVolume(l, sx, sy, sz, RES).get(1L);
    TriangleMesh s = QuadricSimplifier.simplify(m, 0, 0.01);
    assertTrue(s.isWatertight());
    assertEquals(m.signedVolume(), s.signedVolume(), 1e-4 * m.signedVolume());
    assertEquals(m.area(), s.area(), 1e-4 * m.area());
    // a chamfered box has 26 planar faces: a few triangles each instead of hundreds
    assertTrue(s.triangleCount() < 200, s.triangleCount() + " triangles from " + m.triangleCount());
    assertTrue(m.triangleCount() > 2000);
  }

  @Test
  void noisySegmentsInBlocksStayClosedAfterSimplification() throws Exception {
    int sx = 30;
    int sy = 26;
    int sz = 10;
    SplittableRandom rnd = new SplittableRandom(5);
    long[] l = new long[sx * sy * sz];
    for (int z = 0; z < sz; z++) {
      for (int y = 0; y < sy; y++) {
        for (int x = 0; x < sx; x++) {
          // blobs of three labels with ragged borders, and some background speckle
          int cell = (int) ((x + 2 * Math.sin(y / 3.0)) / 10) + 3 * (int) (y / 13.0);
          l[x + sx * (y + sy * z)] =
              rnd.nextInt(12) == 0 ? 0 : 1 + cell % 4 + (rnd.nextInt(10) == 0 ? 1 : 0);
        }
      }
    }
    Vec3 volume = new Vec3(sx, sy, sz);
    Map<Long, TriangleMesh> whole = MarchingCubes.meshVolume(l, sx, sy, sz, RES);
    Map<Long, TriangleMesh> plain = blockwise(l, volume, new Vec3(8, 9, 4), null, null);
    for (var e : plain.entrySet()) {
      assertEquals(0, whole.get(e.getKey()).unmatchedEdges(), "whole segment " + e.getKey());
      assertEquals(whole.get(e.getKey()).triangleCount(), e.getValue().triangleCount());
      assertEquals(whole.get(e.getKey()).vertexCount(), e.getValue().vertexCount());
      assertEquals(triangleSet(whole.get(e.getKey())), triangleSet(e.getValue()));
      assertEquals(0, e.getValue().unmatchedEdges(), "segment " + e.getKey());
    }
    Map<Long, TriangleMesh> merged =
        blockwise(l, volume, new Vec3(8, 9, 4), new MeshParams.Simplify(0.3, 20), null);
    assertEquals(whole.keySet(), merged.keySet());
    for (var e : merged.entrySet()) {
      assertEquals(0, e.getValue().unmatchedEdges(), "segment " + e.getKey());
      assertTrue(e.getValue().triangleCount() < whole.get(e.getKey()).triangleCount());
    }
  }

  @Test
  void seamsStayClosedOverManyShapesBlockSizesAndSimplifications() throws Exception {
    for (int seed = 0; seed < 12; seed++) {
      int sx = 24;
      int sy = 21;
      int sz = 9;
      SplittableRandom rnd = new SplittableRandom(seed);
      long[] l = new long[sx * sy * sz];
      for (int z = 0; z < sz; z++) {
        for (int y = 0; y < sy; y++) {
          for (int x = 0; x < sx; x++) {
            int cell =
                (int) ((x + 2 * Math.sin(y / 3.0 + seed)) / (5 + seed % 4))
                    + 3 * (int) (y / (7.0 + seed % 5));
            long v = 1 + cell % 4;
            if (seed % 3 == 0) {
              v = rnd.nextInt(12) == 0 ? 0 : v + (rnd.nextInt(10) == 0 ? 1 : 0);
            } else if (seed % 3 == 1) {
              v = rnd.nextInt(3);
            }
            l[x + sx * (y + sy * z)] = v;
          }
        }
      }
      // blocks as thin as 2 planes; simplification as far as it goes, or bounded
      Vec3 block = new Vec3(4 + seed % 5, 5 + seed % 3, 2 + seed % 3);
      MeshParams.Simplify s =
          seed % 2 == 0 ? new MeshParams.Simplify(0, 1e9) : new MeshParams.Simplify(0.2, 10);
      for (var e : blockwise(l, new Vec3(sx, sy, sz), block, s, null).entrySet()) {
        assertEquals(0, e.getValue().unmatchedEdges(), "seed " + seed + " segment " + e.getKey());
        assertTrue(e.getValue().signedVolume() > 0, "seed " + seed + " segment " + e.getKey());
      }
    }
  }

  @Test
  void blocksReportTheVoxelsOfTheirCore() throws Exception {
    Vec3 volume = new Vec3(52, 50, 15);
    long[] l = MarchingCubesTest.ball(52, 50, 15, RES, 180, 9);
    LabelVolume all = new LabelVolume(52, 50, 15, 1, l);
    BlockGrid grid = new BlockGrid(volume, new Vec3(20, 18, 6), new Vec3(1, 1, 1));
    long sum = 0;
    for (long u = 0; u < grid.blockCount(); u++) {
      Box core = grid.core(u);
      var parts =
          BlockMesher.mesh(
              core,
              volume,
              box ->
                  all.crop(
                      (int) box.start().x(),
                      (int) box.start().y(),
                      (int) box.start().z(),
                      (int) box.size().x(),
                      (int) box.size().y(),
                      (int) box.size().z()),
              RES,
              null);
      sum += parts.containsKey(9L) ? parts.get(9L).voxels() : 0;
    }
    assertEquals(MarchingCubesTest.count(l, 9), sum);
  }
}
