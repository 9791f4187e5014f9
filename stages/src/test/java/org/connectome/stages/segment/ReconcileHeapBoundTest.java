package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Vec3;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconciliation's memory is bounded by its shard, not by the volume: overlap tables of 4 x 4 x
 * 4 subvolumes, {@value #IDS} local ids each, larger on disk than the {@value #HEAP} heap of the
 * child JVM that reconciles them, are reconciled there (the shards of {@code segment.reconcile},
 * two subvolumes each, then {@code segment.merge}), and the partition equals that of a union-find
 * over every pair in this (large-heap) JVM. The same child given the whole volume as one shard runs
 * out of memory, so the heap is small enough to tell.
 *
 * <p>Tables are written as {@code segment.overlaps} writes them; the labels they count are not
 * needed here. Pairs: local id {@code i} of a subvolume joins id {@code i} of its +x neighbour when
 * {@code i} is even, of its +y neighbour when {@code i % 3 == 0}, of its +z neighbour when {@code i
 * % 7 == 0}; every pair meets the rules (100 voxels, all of either side's voxels there).
 */
class ReconcileHeapBoundTest {
  static final int IDS = 30_000;
  static final String HEAP = "-Xmx48m";
  static final Vec3 SUBVOLUME = new Vec3(10, 10, 10);

  /** Neighbour offsets (x, y, z) and the modulus of the ids joined with that neighbour. */
  static final long[][] STEPS = {{1, 0, 0, 2}, {0, 1, 0, 10}, {0, 0, 1, 50}};

  @TempDir static Path runDir;
  static BlockGrid grid;
  static long tableBytes;

  @BeforeAll
  static void writeTables() throws Exception {
    grid =
        SegmentStepRuns.inference(
                runDir, new Vec3(40, 40, 40), SUBVOLUME, new Vec3(0, 0, 0), Map.of())
            .plan()
            .units()
            .grid();
    Path out = SegmentSteps.layout(runDir, SegmentSteps.OVERLAPS).outputDir();
    long[][] core = new long[IDS][];
    for (int i = 0; i < IDS; i++) {
      core[i] = new long[] {i + 1, 100};
    }
    for (long u = 0; u < grid.blockCount(); u++) {
      Vec3 p = grid.position(u);
      List<SubvolumeOverlaps.Neighbour> nbs = new ArrayList<>();
      for (long[] d : STEPS) {
        long v = SegmentSteps.index(grid, p.x() + d[0], p.y() + d[1], p.z() + d[2]);
        if (v < 0) {
          continue;
        }
        List<long[]> pairs = new ArrayList<>();
        List<long[]> counts = new ArrayList<>();
        for (int i = 1; i <= IDS; i++) {
          if (i % d[3] == 0) {
            pairs.add(new long[] {i, i, 100});
            counts.add(new long[] {i, 100});
          }
        }
        long[][] c = counts.toArray(long[][]::new);
        nbs.add(new SubvolumeOverlaps.Neighbour(v, "", pairs.toArray(long[][]::new), c, c));
      }
      new SubvolumeOverlaps(u, "", "", core, nbs).write(out);
    }
    try (Stream<Path> s = Files.walk(out)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        tableBytes += Files.size(f);
      }
    }
  }

  @Test
  void shardsReconcileInAHeapSmallerThanTheTables() throws Exception {
    assertTrue(tableBytes > 48L << 20, "tables of " + tableBytes + " bytes exceed the heap");
    Result r = reconcileInChild(Map.of("shardSubvolumes", 2, "mergeFanIn", 2));
    assertEquals(0, r.exit(), r.output());
    // the reference: one union-find over every (subvolume, id), here where memory is plenty
    int n = (int) grid.blockCount() * IDS;
    UnionFind ref = new UnionFind(n);
    for (long u = 0; u < grid.blockCount(); u++) {
      Vec3 p = grid.position(u);
      for (long[] d : STEPS) {
        long v = SegmentSteps.index(grid, p.x() + d[0], p.y() + d[1], p.z() + d[2]);
        for (int i = 1; v >= 0 && i <= IDS; i++) {
          if (i % d[3] == 0) {
            ref.union((int) u * IDS + i - 1, (int) v * IDS + i - 1);
          }
        }
      }
    }
    // equal partitions: global id and reference root correspond one to one
    Path out = SegmentSteps.reconciled(runDir);
    Map<Long, Integer> rootOfId = new HashMap<>();
    Map<Integer, Long> idOfRoot = new HashMap<>();
    for (long u = 0; u < grid.blockCount(); u++) {
      LongCounts map = SegmentReconcileRunner.readMap(out, u);
      assertEquals(IDS, map.size(), "subvolume " + u);
      for (int i = 1; i <= IDS; i++) {
        long id = map.get(i);
        int root = ref.find((int) u * IDS + i - 1);
        assertEquals(root, (int) rootOfId.computeIfAbsent(id, k -> root), "id " + id);
        assertEquals(id, (long) idOfRoot.computeIfAbsent(root, k -> id), "root " + root);
      }
    }
    SegmentReconcileRunner.Summary s = SegmentReconcileRunner.Summary.read(out);
    assertEquals(idOfRoot.size(), s.segments());
    assertEquals(idOfRoot.size(), rootOfId.size());
    assertEquals(100L * n, s.voxels());
  }

  @Test
  void theWholeVolumeAsOneShardDoesNotFitThatHeap() throws Exception {
    Result r = reconcileInChild(Map.of("shardSubvolumes", (int) grid.blockCount()));
    assertNotEquals(0, r.exit());
    assertTrue(r.output().contains("OutOfMemoryError"), r.output());
  }

  record Result(int exit, String output) {}

  /** Runs {@link #main} in a child JVM with the small heap. */
  static Result reconcileInChild(Map<String, Object> params) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(HEAP);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ReconcileHeapBoundTest.class.getName());
    cmd.add(runDir.toString());
    cmd.add(org.connectome.pipeline.Json.mapper().writeValueAsString(params));
    Path log = Files.createTempFile(runDir, "child", ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException("the child reconciliation did not end");
    }
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  /** The child: reconciles {@code args[0]} with the parameters {@code args[1]} (JSON). */
  public static void main(String[] args) throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> params =
        org.connectome.pipeline.Json.mapper().readValue(args[1], Map.class);
    Map<String, Object> all = new HashMap<>(params);
    all.put("segmentProperties", "none");
    SegmentStepRuns.reconcileAndMerge(Path.of(args[0]), all);
  }
}
