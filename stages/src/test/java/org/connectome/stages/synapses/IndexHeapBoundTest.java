package org.connectome.stages.synapses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Vec3;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index's memory is bounded by a unit's share, not by the sample: {@value #SITES} synapses in
 * each of 16 x 16 block files, more bytes on disk than the {@value #HEAP} heap of the child JVM,
 * are indexed there in units of {@value #BLOCKS_PER_UNIT} blocks, and every site is in the tables;
 * the same child given every block as one unit runs out of memory, so the heap is small enough to
 * tell.
 */
class IndexHeapBoundTest {
  static final int SITES = 1000;
  static final int BLOCKS_PER_UNIT = 16;
  static final String HEAP = "-Xmx32m";
  static final BlockGrid GRID =
      new BlockGrid(new Vec3(1024, 1024, 8), new Vec3(64, 64, 8), new Vec3(0, 0, 0));

  @TempDir static Path dir;
  static long blockBytes;

  @BeforeAll
  static void writeBlocks() throws Exception {
    SplittableRandom rnd = new SplittableRandom(14);
    Path out = dir.resolve("detect");
    for (long b = 0; b < GRID.blockCount(); b++) {
      Vec3 p = GRID.position(b);
      List<Site> sites = new ArrayList<>();
      for (int i = 0; i < SITES; i++) {
        sites.add(
            new Site(
                p.x() * 64 + rnd.nextInt(64),
                p.y() * 64 + i % 64,
                rnd.nextInt(8),
                rnd.nextDouble(),
                1 + rnd.nextInt(50_000),
                1 + rnd.nextInt(50_000),
                20 + rnd.nextInt(100),
                30 * rnd.nextDouble(),
                rnd.nextInt(10),
                rnd.nextInt(3)));
      }
      long[] segments = rnd.longs(100, 1, 50_000).sorted().distinct().toArray();
      new BlockSites(b, "", "", "h", sites, segments).write(out);
    }
    try (Stream<Path> s = Files.walk(out)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        blockBytes += Files.size(f);
      }
    }
  }

  @Test
  void unitsIndexInAHeapSmallerThanTheBlockFiles() throws Exception {
    assertTrue(blockBytes > 32L << 20, "block files of " + blockBytes + " bytes exceed the heap");
    Result r = indexInChild(BLOCKS_PER_UNIT);
    assertEquals(0, r.exit(), r.output());
    List<SynapseIndex.Entry> all = SynapseIndex.readTables(dir.resolve("detect"));
    assertEquals(GRID.blockCount() * SITES, all.size());
    assertEquals(
        GRID.blockCount() / BLOCKS_PER_UNIT, SynapseIndex.tables(dir.resolve("detect")).size());
  }

  @Test
  void everyBlockAsOneUnitDoesNotFitThatHeap() throws Exception {
    Result r = indexInChild((int) GRID.blockCount());
    assertNotEquals(0, r.exit());
    assertTrue(r.output().contains("OutOfMemoryError"), r.output());
  }

  record Result(int exit, String output) {}

  static Result indexInChild(int blocksPerUnit) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(HEAP);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(IndexHeapBoundTest.class.getName());
    cmd.add(dir.toString());
    cmd.add(Integer.toString(blocksPerUnit));
    Path log = Files.createTempFile(dir, "child", ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException("the child index did not end");
    }
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  /** The child: every unit of the index of {@code args[0]}, {@code args[1]} blocks each. */
  public static void main(String[] args) throws Exception {
    Path d = Path.of(args[0]);
    IndexPartition.Layout layout = new IndexPartition.Layout(GRID, Integer.parseInt(args[1]), true);
    PartitionedIndexes.indexAll(
        layout,
        d.resolve("detect"),
        "h",
        d.resolve("annotations"),
        d.resolve("relations"),
        new double[] {8, 8, 33},
        1000);
  }
}
