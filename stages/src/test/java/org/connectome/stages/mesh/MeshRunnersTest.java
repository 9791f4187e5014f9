package org.connectome.stages.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshRunnersTest {
  static final int SX = 70;
  static final int SY = 60;
  static final int SZ = 14;
  static final Vec3 VOLUME = new Vec3(SX, SY, SZ);
  static final Vec3 BLOCK = new Vec3(32, 24, 8);
  static final long BALL = (1L << 40) + 5;
  static final long BOX = 3;
  static final long DOT = 77;
  static final long SLAB = 4;

  /**
   * A ball (uint64 id above 2^32), a box, a lone voxel, a slab on the volume's face, noisy
   * neighbours.
   */
  static LabelVolume labels() {
    LabelVolume l = new LabelVolume(SX, SY, SZ);
    long[] ball = MarchingCubesTest.ball(SX, SY, SZ, MarchingCubesTest.RES, 150, BALL);
    System.arraycopy(ball, 0, l.data(), 0, ball.length);
    SplittableRandom r = new SplittableRandom(2);
    for (int z = 0; z < SZ; z++) {
      for (int y = 0; y < SY; y++) {
        for (int x = 0; x < SX; x++) {
          if (x < 3) {
            l.set(x, y, z, SLAB);
          } else if (x >= 50 && x < 66 && y >= 4 && y < 20 && z >= 2 && z < 12) {
            l.set(x, y, z, BOX);
          } else if (x >= 50 && y >= 36 && y < 58) {
            l.set(x, y, z, 10 + r.nextInt(3));
          }
        }
      }
    }
    l.set(40, 50, 8, DOT);
    return l;
  }

  static Path meshDir(Path runDir) {
    return MeshMergeRunner.meshDir(runDir, "mesh");
  }

  static TriangleMesh fragment(Path runDir, long id) throws Exception {
    List<String> f = LegacyMesh.fragments(Files.readAllBytes(meshDir(runDir).resolve(id + ":0")));
    assertEquals(List.of(id + ".frag"), f);
    return LegacyMesh.decode(Files.readAllBytes(meshDir(runDir).resolve(f.get(0))));
  }

  static void runBoth(Path runDir, Map<String, Object> params, long shards) throws Exception {
    MeshSteps.runAll(
        MeshBlocksRunner::create,
        MeshSteps.blocks(
            runDir, VOLUME, BLOCK, new Vec3(1, 1, 1), MeshSteps.withShards(params, shards)));
    MeshSteps.runAll(MeshMergeRunner::create, MeshSteps.merge(runDir, shards, params));
  }

  static Map<Path, byte[]> snapshot(Path dir) throws Exception {
    Map<Path, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p), Files.readAllBytes(p));
      }
    }
    return out;
  }

  @Test
  void multiResolutionMeshesHoldTheLegacyMeshesAtLevelZeroShardedOrNot(@TempDir Path runDir)
      throws Exception {
    LabelVolume l = labels();
    MeshSteps.writeSegmentation(runDir, l, new int[] {32, 32, 8});
    runBoth(runDir, Map.of(), 2);
    Map<Long, TriangleMesh> legacy = new java.util.TreeMap<>();
    for (MeshFolder.Segment s : MeshFolder.read(meshDir(runDir))) {
      legacy.put(s.id(), s.fragments().isEmpty() ? TriangleMesh.empty() : s.fragments().get(0));
    }
    for (String sharding : List.of("never", "always")) {
      Path dir = meshDir(runDir);
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.delete(p);
        }
      }
      // both steps from the mesh stage's params: the blocks are filed for this partition
      runBoth(runDir, Map.of("format", "multires", "sharding", sharding), 2);
      assertEquals("neuroglancer_multilod_draco", MeshFolder.type(dir));
      List<MeshFolder.Segment> read = MeshFolder.read(dir);
      assertEquals(
          legacy.keySet(),
          new java.util.TreeSet<>(read.stream().map(MeshFolder.Segment::id).toList()),
          sharding);
      for (MeshFolder.Segment s : read) {
        assertEquals(null, s.error());
        TriangleMesh want = legacy.get(s.id());
        TriangleMesh got = s.fragments().isEmpty() ? TriangleMesh.empty() : s.fragments().get(0);
        assertEquals(want.vertexCount(), got.vertexCount(), sharding + " segment " + s.id());
        assertArrayEquals(want.triangles(), got.triangles(), sharding + " segment " + s.id());
        for (int i = 0; i < want.vertices().length; i++) {
          // 16-bit positions over a box of at most 800 nm: within 0.02 nm
          assertEquals(want.vertices()[i], got.vertices()[i], 0.05, "segment " + s.id());
        }
      }
      try (Stream<Path> s = Files.list(dir)) {
        long shards = s.filter(p -> p.toString().endsWith(".shard")).count();
        assertEquals(sharding.equals("always") ? 2 : 0, shards, "one shard file per merge unit");
      }
    }
  }

  @Test
  void everySegmentGetsAManifestAndItsWholeClosedMesh(@TempDir Path runDir) throws Exception {
    LabelVolume l = labels();
    MeshSteps.writeSegmentation(runDir, l, new int[] {32, 32, 8});
    runBoth(runDir, Map.of(), 3);
    assertEquals(
        "{\"@type\":\"neuroglancer_legacy_mesh\"}",
        Files.readString(meshDir(runDir).resolve("info"), StandardCharsets.UTF_8));
    Map<Long, TriangleMesh> whole =
        MarchingCubes.meshVolume(l.data(), SX, SY, SZ, MarchingCubesTest.RES);
    TreeSet<Long> ids = new TreeSet<>();
    for (long v : l.data()) {
      if (v != 0) {
        ids.add(v);
      }
    }
    assertEquals(ids, whole.keySet());
    TreeSet<String> manifests = new TreeSet<>();
    try (Stream<Path> s = Files.list(meshDir(runDir))) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(":0")).forEach(manifests::add);
    }
    TreeSet<String> expected = new TreeSet<>();
    ids.forEach(id -> expected.add(id + ":0"));
    assertEquals(expected, manifests);
    for (long id : ids) {
      TriangleMesh m = fragment(runDir, id);
      assertTrue(m.isWatertight(), "segment " + id);
      assertEquals(whole.get(id).vertexCount(), m.vertexCount(), "segment " + id);
      assertEquals(SeamsTest.triangleSet(whole.get(id)), SeamsTest.triangleSet(m), "segment " + id);
    }
    // the lone voxel: an octahedron around its voxel, (40, 50, 8) covering [40, 41) x [50, 51) x
    // [8, 9) voxels
    TriangleMesh dot = fragment(runDir, DOT);
    assertEquals(6, dot.vertexCount());
    assertEquals(8, dot.triangleCount());
    assertEquals(8 * 8 * 33 / 6.0, dot.signedVolume(), 1e-3);
    // the shard figures count every segment once and every voxel once
    long segments = 0;
    long voxels = 0;
    for (long k = 0; k < 3; k++) {
      Path out = MeshSteps.layout(MeshSteps.merge(runDir, 3, Map.of())).outputDir();
      for (String line : Files.readAllLines(MeshMergeRunner.segmentsFile(out, k))) {
        if (!line.startsWith("#")) {
          String[] f = line.split("\t");
          assertEquals(k, Long.remainderUnsigned(Long.parseUnsignedLong(f[0]), 3));
          segments++;
          voxels += Long.parseLong(f[1]);
        }
      }
    }
    assertEquals(ids.size(), segments);
    assertEquals(
        Stream.of(l.data()).flatMapToLong(java.util.Arrays::stream).filter(v -> v != 0).count(),
        voxels);
  }

  @Test
  void fragmentAndManifestBytesFollowTheLegacyLayout(@TempDir Path runDir) throws Exception {
    LabelVolume l = new LabelVolume(4, 3, 2);
    l.set(1, 1, 0, 9);
    MeshSteps.writeSegmentation(runDir, l, new int[] {4, 3, 2});
    MeshSteps.runAll(
        MeshBlocksRunner::create,
        MeshSteps.blocks(
            runDir,
            new Vec3(4, 3, 2),
            new Vec3(4, 3, 2),
            new Vec3(1, 1, 1),
            MeshSteps.withShards(Map.of(), 1)));
    MeshSteps.runAll(MeshMergeRunner::create, MeshSteps.merge(runDir, 1, Map.of()));
    assertEquals("{\"fragments\":[\"9.frag\"]}", Files.readString(meshDir(runDir).resolve("9:0")));
    byte[] b = Files.readAllBytes(meshDir(runDir).resolve("9.frag"));
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(6, buf.getInt());
    assertEquals(4 + 6 * 12 + 8 * 12, b.length);
    // the octahedron's tips: the midpoints of the voxel (1, 1, 0)'s faces, in nm; Neuroglancer's
    // voxel i spans
    // [i, i + 1) x resolution
    TreeSet<String> tips = new TreeSet<>();
    for (int v = 0; v < 6; v++) {
      tips.add(buf.getFloat() + " " + buf.getFloat() + " " + buf.getFloat());
    }
    assertEquals(
        new TreeSet<>(
            List.of(
                "8.0 12.0 16.5",
                "16.0 12.0 16.5",
                "12.0 8.0 16.5",
                "12.0 16.0 16.5",
                "12.0 12.0 0.0",
                "12.0 12.0 33.0")),
        tips);
    for (int t = 0; t < 24; t++) {
      int i = buf.getInt();
      assertTrue(i >= 0 && i < 6);
    }
    assertFalse(buf.hasRemaining());
  }

  @Test
  void simplifiedMeshesStayClosedWithFewerTriangles(@TempDir Path runDir) throws Exception {
    LabelVolume l = labels();
    MeshSteps.writeSegmentation(runDir, l, new int[] {32, 32, 8});
    runBoth(runDir, Map.of("simplify", Map.of("ratio", 0.2, "maxError", 12)), 2);
    Map<Long, TriangleMesh> whole =
        MarchingCubes.meshVolume(l.data(), SX, SY, SZ, MarchingCubesTest.RES);
    long before = 0;
    long after = 0;
    for (long id : whole.keySet()) {
      TriangleMesh m = fragment(runDir, id);
      assertEquals(0, m.unmatchedEdges(), "segment " + id);
      if (id == BALL || id == BOX || id == SLAB) {
        // smooth shapes keep their volume; the noise segments (voxel-sized pieces) may lose much of
        // theirs
        assertEquals(1, m.signedVolume() / whole.get(id).signedVolume(), 0.03, "segment " + id);
      }
      before += whole.get(id).triangleCount();
      after += m.triangleCount();
    }
    assertTrue(after < 0.5 * before, after + " of " + before);
  }

  @Test
  void rerunsRewriteTheSameBytesAndRestoreWhatWasLost(@TempDir Path runDir) throws Exception {
    MeshSteps.writeSegmentation(runDir, labels(), new int[] {32, 32, 8});
    Map<String, Object> params = Map.of("simplify", true);
    runBoth(runDir, params, 3);
    Map<Path, byte[]> first = snapshot(meshDir(runDir));
    Path blocksOut = runDir.resolve("stages/mesh/blocks/output/blocks");
    Map<Path, byte[]> firstBlocks = snapshot(blocksOut);
    // a crash after some fragments: files lost, a temporary file left behind
    Files.delete(meshDir(runDir).resolve(BALL + ":0"));
    Files.delete(meshDir(runDir).resolve(BOX + ".frag"));
    Files.write(meshDir(runDir).resolve("." + BOX + ".frag.1234.tmp"), new byte[] {1, 2});
    runBoth(runDir, params, 3);
    Map<Path, byte[]> second = snapshot(meshDir(runDir));
    second.remove(Path.of("." + BOX + ".frag.1234.tmp"));
    assertEquals(first.keySet(), second.keySet());
    for (Path p : first.keySet()) {
      assertArrayEquals(first.get(p), second.get(p), p.toString());
    }
    Map<Path, byte[]> secondBlocks = snapshot(blocksOut);
    assertEquals(firstBlocks.keySet(), secondBlocks.keySet());
    for (Path p : firstBlocks.keySet()) {
      assertArrayEquals(firstBlocks.get(p), secondBlocks.get(p), p.toString());
    }
  }

  @Test
  void aSegmentWithoutTrianglesGetsAnEmptyManifest(@TempDir Path runDir) throws Exception {
    // a block that saw a segment's voxels but drew none of its surface (as when another block holds
    // it all)
    TaskDefinition blocks =
        MeshSteps.blocks(runDir, new Vec3(4, 4, 4), new Vec3(4, 4, 4), new Vec3(1, 1, 1), Map.of());
    blocks.write(MeshSteps.layout(blocks).definitionFile());
    Map<Long, BlockMesher.Part> parts = new TreeMap<>(Long::compareUnsigned);
    parts.put(12L, new BlockMesher.Part(3, 0, TriangleMesh.empty()));
    BlockMeshFile.write(BlockMeshFile.file(MeshSteps.layout(blocks).outputDir(), 0), 0, parts);
    MeshSteps.writeSummary(runDir, 1);
    MeshSteps.runAll(MeshMergeRunner::create, MeshSteps.merge(runDir, 2, Map.of()));
    assertEquals("{\"fragments\":[]}", Files.readString(meshDir(runDir).resolve("12:0")));
    assertFalse(Files.exists(meshDir(runDir).resolve("12.frag")));
  }

  @Test
  void aMissingBlockFailsTheMergeForGood(@TempDir Path runDir) throws Exception {
    MeshSteps.writeSegmentation(runDir, labels(), new int[] {32, 32, 8});
    TaskDefinition blocks =
        MeshSteps.blocks(
            runDir, VOLUME, BLOCK, new Vec3(1, 1, 1), MeshSteps.withShards(Map.of(), 2));
    MeshSteps.runAll(MeshBlocksRunner::create, blocks);
    Files.delete(BlockMeshFile.file(MeshSteps.layout(blocks).outputDir(), 3));
    UnitException e =
        assertThrows(
            UnitException.class,
            () -> MeshSteps.runAll(MeshMergeRunner::create, MeshSteps.merge(runDir, 2, Map.of())));
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("u3.mesh is missing"), e.getMessage());
  }

  @Test
  void eachMergeUnitReadsOnlyTheBlocksItsSegmentsTouch(@TempDir Path runDir) throws Exception {
    MeshSteps.writeSegmentation(runDir, labels(), new int[] {32, 32, 8});
    runBoth(runDir, Map.of(), 3);
    // which blocks hold parts of each unit's segments, from every block file
    Path blocksOut =
        MeshSteps.layout(MeshSteps.blocks(runDir, VOLUME, BLOCK, new Vec3(1, 1, 1), Map.of()))
            .outputDir();
    Map<Long, TreeSet<Long>> want = new TreeMap<>();
    for (long b = 0; b < 18; b++) {
      for (BlockMeshFile.Entry en : BlockMeshFile.index(BlockMeshFile.file(blocksOut, b))) {
        want.computeIfAbsent(Long.remainderUnsigned(en.id(), 3), k -> new TreeSet<>()).add(b);
      }
    }
    Path out = MeshSteps.layout(MeshSteps.merge(runDir, 3, Map.of())).outputDir();
    int fewer = 0;
    for (long k = 0; k < 3; k++) {
      MeshMergeRunner.Stats st =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readValue(MeshMergeRunner.statsFile(out, k).toFile(), MeshMergeRunner.Stats.class);
      assertEquals(want.get(k).size(), st.blocks(), "blocks read by unit " + k);
      fewer += st.blocks() < 18 ? 1 : 0;
    }
    assertTrue(fewer > 0, "some unit reads fewer than all 18 blocks");
  }

  @Test
  void blocksFiledForOtherMergeUnitsNameTheParameter(@TempDir Path runDir) throws Exception {
    MeshSteps.writeSegmentation(runDir, labels(), new int[] {32, 32, 8});
    MeshSteps.runAll(
        MeshBlocksRunner::create,
        MeshSteps.blocks(
            runDir, VOLUME, BLOCK, new Vec3(1, 1, 1), MeshSteps.withShards(Map.of(), 2)));
    UnitException e =
        assertThrows(
            UnitException.class,
            () -> MeshSteps.runAll(MeshMergeRunner::create, MeshSteps.merge(runDir, 3, Map.of())));
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("[mod2]"), e.getMessage());
    assertTrue(e.getMessage().contains("mergeShards"), e.getMessage());
  }

  @Test
  void badParametersNameTheField(@TempDir Path runDir) {
    Map<String, Object[]> cases = new HashMap<>();
    cases.put("params.blockOverlap", new Object[] {new Vec3(1, 0, 1), Map.of()});
    cases.put(
        "params.simplify.ratio",
        new Object[] {new Vec3(1, 1, 1), Map.of("simplify", Map.of("ratio", 2))});
    cases.put(
        "params.simplify.maxError",
        new Object[] {new Vec3(1, 1, 1), Map.of("simplify", Map.of("maxError", -1))});
    cases.put(
        "params.simplify.target",
        new Object[] {new Vec3(1, 1, 1), Map.of("simplify", Map.of("target", 1))});
    cases.put("params.simplify must", new Object[] {new Vec3(1, 1, 1), Map.of("simplify", "yes")});
    cases.put(
        "params.voxelSize",
        new Object[] {new Vec3(1, 1, 1), Map.of("voxelSize", List.of(8, 0, 33))});
    cases.put("params.mesh", new Object[] {new Vec3(1, 1, 1), Map.of("mesh", "../x")});
    for (var c : cases.entrySet()) {
      @SuppressWarnings("unchecked")
      TaskDefinition def =
          MeshSteps.blocks(
              runDir, VOLUME, BLOCK, (Vec3) c.getValue()[0], (Map<String, Object>) c.getValue()[1]);
      BadDefinitionException e =
          assertThrows(
              BadDefinitionException.class,
              () -> MeshBlocksRunner.create(def, MeshSteps.layout(def)),
              c.getKey());
      assertTrue(e.getMessage().contains(c.getKey()), e.getMessage());
    }
    BadDefinitionException e =
        assertThrows(
            BadDefinitionException.class,
            () -> MeshMergeRunner.create(MeshSteps.merge(runDir, 0, Map.of()), null));
    assertTrue(e.getMessage().contains("params.mergeShards"), e.getMessage());
  }
}
