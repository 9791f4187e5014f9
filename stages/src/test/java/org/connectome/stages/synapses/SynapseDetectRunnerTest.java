package org.connectome.stages.synapses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.Annotations;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;
import org.connectome.units.Grouping;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code synapses.detect} as tasks run it: blocks with overlap over a run folder, per-block files,
 * the annotation index built by the last block, whatever the order, the block size, a crash or
 * concurrent tasks.
 */
class SynapseDetectRunnerTest {
  static final int NX = 400;
  static final int NY = 320;
  static final int NZ = 12;
  static SyntheticTissue tissue;

  /** Two synapses on block borders of 120 x 100 blocks: x = 120 (a cell border) and y = 100. */
  @BeforeAll
  static void tissue() {
    tissue =
        SyntheticTissue.build(
            NX,
            NY,
            NZ,
            40,
            40,
            List.of(
                new SyntheticTissue.Spec(3, 100, 5, true, 14, 15),
                new SyntheticTissue.Spec(6, 180, 6, false, 13, 15),
                new SyntheticTissue.Spec(8, 260, 5, true, 15, 15),
                new SyntheticTissue.Spec(4, 60, 6, false, 12, 15)),
            true,
            5);
  }

  static Path run(Path dir) throws Exception {
    tissue.writeRun(dir, new int[] {64, 64, NZ});
    return dir;
  }

  static TaskDefinition definition(
      Path runDir, int bx, int by, Map<String, Object> given, String hash) {
    // these tests exercise the index the last block builds unless they ask for the synapses.index
    // step
    Map<String, Object> params = new java.util.HashMap<>(given);
    params.putIfAbsent("index", "last-block");
    // these tests read the annotation files one by one; the sharded form is read back by the
    // field's
    // readers in PrecomputedReadersTest
    params.putIfAbsent("sharding", "never");
    BlockGrid grid = new BlockGrid(new Vec3(NX, NY, NZ), new Vec3(bx, by, NZ), new Vec3(16, 16, 4));
    return new TaskDefinition(
        "sample/r1",
        "synapses",
        "detect",
        "reference",
        params,
        hash,
        "test",
        new StepPlan(
            new UnitSpace("block", grid.blockCount(), grid, "test"),
            new Grouping(grid.blockCount(), 2, 100)),
        runDir.toString(),
        null,
        null,
        new org.connectome.spec.VoxelSize(8, 8, 33));
  }

  static StepLayout layout(Path runDir) {
    return new StepLayout(runDir.resolve("stages/synapses/detect"));
  }

  static void runUnits(TaskDefinition def, List<Long> units) throws Exception {
    Path runDir = Path.of(def.runDir());
    try (UnitRunner r = SynapseDetectRunner.create(def, layout(runDir))) {
      for (long u : units) {
        r.run(new UnitContext(def, layout(runDir), u, u / 2, 1));
      }
    }
  }

  static List<Long> all(TaskDefinition def) {
    List<Long> out = new ArrayList<>();
    for (long u = 0; u < def.plan().units().unitCount(); u++) {
      out.add(u);
    }
    return out;
  }

  /** Every file the step wrote (outputs and annotations), by path relative to the run folder. */
  static Map<String, byte[]> outputs(Path runDir) throws Exception {
    Map<String, byte[]> m = new TreeMap<>();
    for (Path root : List.of(layout(runDir).outputDir(), runDir.resolve(SynapseIndex.FOLDER))) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          m.put(runDir.relativize(f).toString(), Files.readAllBytes(f));
        }
      }
    }
    return m;
  }

  static void assertSameFiles(Map<String, byte[]> a, Map<String, byte[]> b) {
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) {
      assertArrayEquals(a.get(k), b.get(k), k);
    }
  }

  @Test
  void sitesOnBlockBordersAreFoundOnceAndTheBlockSizeDoesNotMatter(@TempDir Path a, @TempDir Path b)
      throws Exception {
    TaskDefinition small = definition(run(a), 120, 100, Map.of(), "h1");
    runUnits(small, all(small));
    TaskDefinition big = definition(run(b), 200, 160, Map.of(), "h1");
    runUnits(big, all(big));
    List<SynapseIndex.Entry> fromSmall =
        SynapseIndex.readTable(layout(a).outputDir().resolve(SynapseIndex.TABLE));
    List<SynapseIndex.Entry> fromBig =
        SynapseIndex.readTable(layout(b).outputDir().resolve(SynapseIndex.TABLE));
    assertEquals(fromBig, fromSmall);
    assertEquals(tissue.synapses.size(), fromSmall.size(), fromSmall.toString());
    for (SyntheticTissue.Synapse s : tissue.synapses) {
      long near =
          fromSmall.stream()
              .filter(
                  e ->
                      Math.hypot(e.site().x() - s.x(), e.site().y() - s.y()) <= 3
                          && Math.abs(e.site().z() - s.z()) <= 1
                          && e.site().pre() == s.pre()
                          && e.site().post() == s.post())
              .count();
      assertEquals(1, near, "synapse " + s + " in " + fromSmall);
    }
    // the synapse at x = 119.5, y = 100 lies where four 120 x 100 blocks meet: exactly one block
    // file has it
    int holders = 0;
    for (long u = 0; u < small.plan().units().unitCount(); u++) {
      BlockSites bs = BlockSites.read(BlockSites.file(layout(a).outputDir(), u, "h1"));
      holders +=
          (int)
              bs.sites().stream().filter(x -> Math.hypot(x.x() - 119.5, x.y() - 100) <= 3).count();
    }
    assertEquals(1, holders);
    // the annotations: one by-id file per site, positions at voxel centres, pre and post as
    // relationships
    Annotations.Schema schema = SynapseIndex.schema(new double[] {8, 8, 33});
    for (SynapseIndex.Entry e : fromSmall) {
      Annotations.Point p =
          schema.decodeSingle(
              e.id(),
              Files.readAllBytes(
                  a.resolve(SynapseIndex.FOLDER).resolve("by_id").resolve(Long.toString(e.id()))));
      assertEquals(e.site().x() + 0.5, p.position()[0], 1e-3);
      assertEquals(e.site().z() + 0.5, p.position()[2], 1e-6);
      assertArrayEquals(new long[] {e.site().pre()}, p.related()[0]);
      assertArrayEquals(new long[] {e.site().post()}, p.related()[1]);
      assertEquals(e.site().score(), p.properties()[0], 1e-6);
    }
    assertSameFiles(filter(outputs(a), "neuroglancer"), filter(outputs(b), "neuroglancer"));
    // every cell of the tissue has a relationship entry, empty for a cell without synapses (no 404
    // in a viewer)
    long quiet = tissue.cell(15, 300);
    assertArrayEquals(
        new byte[8],
        Files.readAllBytes(
            a.resolve(SynapseIndex.FOLDER)
                .resolve("rel_post_synaptic_cell")
                .resolve(Long.toString(quiet))));
  }

  private static Map<String, byte[]> filter(Map<String, byte[]> m, String prefix) {
    Map<String, byte[]> out = new TreeMap<>();
    m.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k, v);
          }
        });
    return out;
  }

  @Test
  void theIndexWaitsForTheLastBlockAndARerunAfterACrashRebuildsTheSameFiles(@TempDir Path dir)
      throws Exception {
    TaskDefinition def = definition(run(dir), 120, 100, Map.of(), "h1");
    List<Long> units = all(def);
    Path table = layout(dir).outputDir().resolve(SynapseIndex.TABLE);
    // every block but the first, last to first: nothing to index yet
    List<Long> most = new ArrayList<>(units.subList(1, units.size()));
    java.util.Collections.reverse(most);
    runUnits(def, most);
    assertFalse(Files.exists(table));
    assertFalse(Files.exists(dir.resolve(SynapseIndex.FOLDER).resolve("info")));
    runUnits(def, List.of(0L));
    assertTrue(Files.exists(table));
    Map<String, byte[]> done = outputs(dir);
    // a crash in block 5 after its file was written, before its completion marker: the task reruns
    // the unit
    Files.delete(BlockSites.file(layout(dir).outputDir(), 5, "h1"));
    Files.delete(table);
    Files.delete(dir.resolve(SynapseIndex.FOLDER).resolve("info"));
    runUnits(def, List.of(5L));
    assertSameFiles(done, outputs(dir));
    // new parameters: new block files beside the old ones, and the index follows the new run only
    TaskDefinition strict = definition(dir, 120, 100, Map.of("minVoxels", 100_000), "h2");
    runUnits(strict, all(strict));
    assertEquals(List.of(), SynapseIndex.readTable(table));
    assertTrue(Files.exists(BlockSites.file(layout(dir).outputDir(), 5, "h1")));
    try (Stream<Path> s = Files.list(dir.resolve(SynapseIndex.FOLDER).resolve("by_id"))) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void concurrentTasksWriteTheSameFilesAsOneAfterTheOther(@TempDir Path seq, @TempDir Path par)
      throws Exception {
    TaskDefinition one = definition(run(seq), 120, 100, Map.of(), "h1");
    runUnits(one, all(one));
    TaskDefinition many = definition(run(par), 120, 100, Map.of(), "h1");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> f = new ArrayList<>();
      for (long u : all(many)) {
        f.add(
            pool.submit(
                () -> {
                  runUnits(many, List.of(u));
                  return null;
                }));
      }
      for (Future<?> x : f) {
        x.get();
      }
    } finally {
      pool.shutdown();
    }
    assertSameFiles(outputs(seq), outputs(par));
  }

  @Test
  void aSeparateIndexStepBuildsTheSameSynapses(@TempDir Path last, @TempDir Path step)
      throws Exception {
    TaskDefinition auto = definition(run(last), 120, 100, Map.of(), "h1");
    runUnits(auto, all(auto));
    TaskDefinition manual = definition(run(step), 120, 100, Map.of("index", "step"), "h1");
    manual.write(layout(step).definitionFile());
    TaskDefinition index =
        new TaskDefinition(
            "sample/r1",
            "synapses",
            "index",
            "reference",
            Map.of("index", "step", "sharding", "never"),
            "h1",
            "test",
            null,
            step.toString(),
            null,
            null);
    StepLayout indexLayout = new StepLayout(step.resolve("stages/synapses/index"));
    // before detect is complete the index step fails, and names the block file that is missing
    // (blocks 0, 1 and 2 are there; the box reads in Morton order: 0, 1, then 4)
    runUnits(manual, all(manual).subList(0, 3));
    try (UnitRunner r = SynapseIndexRunner.create(index, indexLayout)) {
      UnitException e =
          assertThrows(
              UnitException.class, () -> r.run(new UnitContext(index, indexLayout, 0, 0, 1)));
      assertTrue(e.getMessage().contains("missing input"), e.getMessage());
      assertTrue(e.getMessage().contains("u4-h1.json"), e.getMessage());
      assertTrue(e.retryable());
    }
    runUnits(manual, all(manual).subList(3, all(manual).size()));
    assertFalse(Files.exists(layout(step).outputDir().resolve(IndexPartition.tablePart(0, 1))));
    try (UnitRunner r = SynapseIndexRunner.create(index, indexLayout)) {
      // the box, then the bucket
      r.run(new UnitContext(index, indexLayout, 0, 0, 1));
      r.run(new UnitContext(index, indexLayout, 1, 0, 1));
    }
    // the step's units write the partitioned layout (ids from the blocks): the same synapses
    List<SynapseIndex.Entry> fromLast = SynapseIndex.readTables(layout(last).outputDir());
    List<SynapseIndex.Entry> fromStep = SynapseIndex.readTables(layout(step).outputDir());
    assertEquals(IndexPartitionTest.sorted(fromLast), IndexPartitionTest.sorted(fromStep));
    IndexContents a = IndexContents.read(last.resolve(SynapseIndex.FOLDER), fromLast);
    IndexContents b = IndexContents.read(step.resolve(SynapseIndex.FOLDER), fromStep);
    assertEquals(a.byId(), b.byId());
    assertEquals(a.spatial(), b.spatial());
    assertEquals(a.related(), b.related());
  }

  @Test
  void badParamsAndMissingInputsSayWhat(@TempDir Path dir) throws Exception {
    BadDefinitionException bad =
        assertThrows(
            BadDefinitionException.class,
            () ->
                SynapseDetectRunner.create(
                    definition(dir, 120, 100, Map.of("coreRadius", "thick"), "h1"), layout(dir)));
    assertTrue(bad.getMessage().contains("params.coreRadius"), bad.getMessage());
    bad =
        assertThrows(
            BadDefinitionException.class,
            () ->
                SynapseDetectRunner.create(
                    definition(dir, 120, 100, Map.of("whenNoSegmentation", "guess"), "h1"),
                    layout(dir)));
    assertTrue(bad.getMessage().contains("params.whenNoSegmentation"), bad.getMessage());
    tissue.writeRun(dir, new int[] {64, 64, NZ});
    Files.walk(RunVolumes.segmentation(dir))
        .sorted(java.util.Comparator.reverseOrder())
        .forEach(p -> p.toFile().delete());
    TaskDefinition def = definition(dir, 120, 100, Map.of(), "h1");
    UnitException missing = assertThrows(UnitException.class, () -> runUnits(def, List.of(0L)));
    assertTrue(missing.getMessage().contains("volumes/segmentation"), missing.getMessage());
    // told to go on without a segmentation: sites without pre and post
    TaskDefinition ignore = definition(dir, 120, 100, Map.of("whenNoSegmentation", "ignore"), "h3");
    runUnits(ignore, all(ignore));
    List<SynapseIndex.Entry> found =
        SynapseIndex.readTable(layout(dir).outputDir().resolve(SynapseIndex.TABLE));
    assertEquals(tissue.synapses.size(), found.size());
    assertTrue(found.stream().allMatch(e -> e.site().pre() == 0 && e.site().post() == 0));
  }
}
