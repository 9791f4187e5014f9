package org.connectome.stages.synapses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.Planners;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;
import org.connectome.units.Grouping;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code synapses.index} in several units ({@link IndexPartition}) holds what the one-unit index
 * ({@link SynapseIndex#build}) holds on the same detect blocks: the same annotations, spatial cells
 * and pre/post relationships (every segment the blocks saw included), with ids from the blocks.
 */
class IndexPartitionTest {
  @BeforeAll
  static void tissueOfTheDetectTests() {
    SynapseDetectRunnerTest.tissue();
  }

  /** Detect over 120 x 100 blocks (a grid of 4 x 4), without building the index. */
  static TaskDefinition detect(Path dir) throws Exception {
    TaskDefinition def =
        SynapseDetectRunnerTest.definition(
            SynapseDetectRunnerTest.run(dir), 120, 100, Map.of("index", "step"), "h1");
    def.write(SynapseDetectRunnerTest.layout(dir).definitionFile());
    SynapseDetectRunnerTest.runUnits(def, SynapseDetectRunnerTest.all(def));
    return def;
  }

  /**
   * Runs every unit of the index step with {@code indexBlocks} blocks each, each round last to
   * first; returns the boxes (and buckets) per round.
   */
  static long index(Path dir, int indexBlocks, String sharding) throws Exception {
    long units = (16 + indexBlocks - 1) / indexBlocks;
    TaskDefinition def = indexDefinition(dir, indexBlocks, sharding, units);
    StepLayout layout = new StepLayout(dir.resolve("stages/synapses/index"));
    try (UnitRunner r = SynapseIndexRunner.create(def, layout)) {
      for (long round = 1; round >= 0; round--) {
        for (long u = units - 1; u >= 0; u--) {
          r.run(new UnitContext(def, layout, (1 - round) * units + u, 0, 1));
        }
      }
    }
    return units;
  }

  static TaskDefinition indexDefinition(Path dir, int indexBlocks, String sharding, long units) {
    Map<String, Object> params = new HashMap<>();
    params.put("sharding", sharding);
    params.put("indexBlocks", indexBlocks);
    return new TaskDefinition(
        "sample/r1",
        "synapses",
        "index",
        "reference",
        params,
        "h1",
        "test",
        new StepPlan(
            new UnitSpace(
                Planners.BlockRangesPlanner.KIND, 2 * units, null, "test", List.of(units, units)),
            new Grouping(2 * units, 1, 100, List.of(units, units))),
        dir.toString(),
        null,
        null);
  }

  static List<Site> sorted(List<SynapseIndex.Entry> entries) {
    List<Site> out = new ArrayList<>();
    entries.forEach(e -> out.add(e.site()));
    out.sort(
        Comparator.comparingInt(Site::z).thenComparingDouble(Site::y).thenComparingDouble(Site::x));
    return out;
  }

  void assertSameIndex(Path one, Path many, String sharding) throws Exception {
    Path detectOut = SynapseDetectRunnerTest.layout(one).outputDir();
    SynapseIndex.build(
        one,
        detectOut,
        16,
        "h1",
        new Vec3(
            SynapseDetectRunnerTest.NX, SynapseDetectRunnerTest.NY, SynapseDetectRunnerTest.NZ),
        DetectParams.defaults().spatialLimit(),
        new SynapseIndex.Sharding(sharding, 0, 16));
    List<SynapseIndex.Entry> reference = SynapseIndex.readTables(detectOut);
    long units = index(many, 4, sharding);
    Path manyOut = SynapseDetectRunnerTest.layout(many).outputDir();
    assertEquals(units, SynapseIndex.tables(manyOut).size());
    List<SynapseIndex.Entry> parts = SynapseIndex.readTables(manyOut);
    assertEquals(sorted(reference), sorted(parts));
    assertTrue(parts.size() >= SynapseDetectRunnerTest.tissue.synapses.size(), "" + parts.size());
    for (SynapseIndex.Entry e : parts) {
      assertTrue(e.id() >>> IndexPartition.ORDINAL_BITS < 16, "id " + e.id() + " names a block");
    }
    IndexContents a = IndexContents.read(one.resolve(SynapseIndex.FOLDER), reference);
    IndexContents b = IndexContents.read(many.resolve(SynapseIndex.FOLDER), parts);
    assertEquals(a.byId(), b.byId());
    assertEquals(a.spatial(), b.spatial());
    assertEquals(a.related(), b.related());
    // every cell of the tissue has a relationship entry, empty without synapses
    assertEquals(List.of(), b.related().get(SynapseIndex.POST).get(tissue().cell(15, 300)));
  }

  private static SyntheticTissue tissue() {
    return SynapseDetectRunnerTest.tissue;
  }

  @Test
  void fourUnitsHoldWhatOneUnitHoldsSharded(@TempDir Path one, @TempDir Path many)
      throws Exception {
    detect(one);
    detect(many);
    assertSameIndex(one, many, "always");
  }

  @Test
  void fourUnitsHoldWhatOneUnitHoldsOneFilePerKey(@TempDir Path one, @TempDir Path many)
      throws Exception {
    detect(one);
    detect(many);
    assertSameIndex(one, many, "never");
  }

  @Test
  void unitsInAnyOrderWriteTheSameFilesAndAMissingPartIsNeverRead(@TempDir Path a, @TempDir Path b)
      throws Exception {
    detect(a);
    detect(b);
    index(a, 4, "always");
    TaskDefinition def = indexDefinition(b, 4, "always", 4);
    StepLayout layout = new StepLayout(b.resolve("stages/synapses/index"));
    try (UnitRunner r = SynapseIndexRunner.create(def, layout)) {
      for (long u : List.of(2L, 0L, 3L)) {
        r.run(new UnitContext(def, layout, u, 0, 1));
      }
      Path out = SynapseDetectRunnerTest.layout(b).outputDir();
      assertThrows(java.nio.file.NoSuchFileException.class, () -> SynapseIndex.tables(out));
      r.run(new UnitContext(def, layout, 1, 0, 1));
      // the buckets, in another order again
      for (long u : List.of(5L, 7L, 4L, 6L)) {
        r.run(new UnitContext(def, layout, u, 0, 1));
      }
    }
    SynapseDetectRunnerTest.assertSameFiles(
        SynapseDetectRunnerTest.outputs(a), SynapseDetectRunnerTest.outputs(b));
  }

  @Test
  void aPlanThatDoesNotMatchTheDetectGridFailsNamingBoth(@TempDir Path dir) throws Exception {
    detect(dir);
    TaskDefinition def = indexDefinition(dir, 4, "always", 3);
    StepLayout layout = new StepLayout(dir.resolve("stages/synapses/index"));
    try (UnitRunner r = SynapseIndexRunner.create(def, layout)) {
      UnitException e =
          assertThrows(UnitException.class, () -> r.run(new UnitContext(def, layout, 0, 0, 1)));
      assertTrue(e.getMessage().contains("planned 3 units per round"), e.getMessage());
      assertTrue(e.getMessage().contains("16 blocks"), e.getMessage());
    }
    assertTrue(
        Files.notExists(
            SynapseDetectRunnerTest.layout(dir)
                .outputDir()
                .resolve(IndexPartition.tablePart(0, 3))));
  }
}
