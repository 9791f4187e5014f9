package org.connectome.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code synapses.index} is planned as ranges of the detect grid: several units on a small sample,
 * thousands on an H01-sized one, never one whole-volume unit.
 */
class BlockRangesPlannerTest {
  static UnitSpace plan(Map<String, Object> synapseParams, SampleFacts facts) throws Exception {
    StepConfig detect = null;
    StepConfig index = null;
    for (StepConfig c : Pipeline.steps(PipelineTest.spec("synapses", synapseParams, null))) {
      if (c.qualifiedName().equals("synapses.detect")) {
        detect = c;
      } else if (c.qualifiedName().equals("synapses.index")) {
        index = c;
      }
    }
    UnitSpace blocks = Planners.of("synapses", "detect").plan(detect, facts);
    UnitSpace ranges = Planners.of("synapses", "index").plan(index, facts);
    // ranges of the Morton codes of the detect grid: every block in exactly one range
    long g = indexBlocks(synapseParams);
    assertEquals(2, ranges.rounds().size(), "boxes, then buckets");
    assertEquals(ranges.rounds().get(0), ranges.rounds().get(1));
    long[] perRange = new long[(int) (long) ranges.rounds().get(0)];
    Vec3 grid = blocks.grid().gridSize();
    for (long b = 0; b < blocks.unitCount(); b++) {
      Vec3 p = blocks.grid().position(b);
      long code = ShardLayout.mortonCode(grid, p.x(), p.y(), p.z());
      assertEquals(p, ShardLayout.mortonPosition(grid, code));
      perRange[(int) (code / g)]++;
    }
    for (long n : perRange) {
      assertTrue(n <= g, "a range holds at most indexBlocks blocks");
    }
    return ranges;
  }

  static long indexBlocks(Map<String, Object> params) {
    return ((Number) params.getOrDefault("indexBlocks", 256)).longValue();
  }

  @Test
  void theDemoGeometryGivesSeveralRanges() throws Exception {
    // the demo: 1446 x 973 x 16 voxels in 512 x 512 x 16 blocks (3 x 2 x 1)
    UnitSpace u =
        plan(
            Map.of("blockSize", List.of(512, 512, 16), "indexBlocks", 2),
            new SampleFacts(16, new Vec3(1446, 973, 16), "test"));
    // a grid of 3 x 2 has Morton codes 0..7 (two of them name no block): four ranges of two, and
    // four buckets
    assertEquals(8, u.unitCount());
    assertEquals(List.of(4L, 4L), u.rounds());
    assertEquals(Planners.BlockRangesPlanner.KIND, u.unitKind());
  }

  @Test
  void anH01SizedVolumeGivesThousandsOfRanges() throws Exception {
    UnitSpace u =
        plan(
            Map.of("blockSize", List.of(1024, 1024, 64), "blockOverlap", List.of(32, 32, 4)),
            new SampleFacts(5300, new Vec3(125_000, 125_000, 5300), "test"));
    // 123 x 123 x 83 blocks have 21-bit Morton codes: 8,192 ranges of 256 codes, 8,192 buckets
    assertEquals((1L << 21) / 256, u.rounds().get(0), u.description());
    assertEquals(2 * (1L << 21) / 256, u.unitCount());
  }

  @Test
  void mortonPositionUndoesMortonCodeAndNamesNoCellOutsideTheGrid() {
    Vec3 grid = new Vec3(5, 3, 2);
    int cells = 0;
    for (long code = 0; code < 1L << ShardLayout.mortonBits(grid); code++) {
      Vec3 p = ShardLayout.mortonPosition(grid, code);
      if (p != null) {
        cells++;
        assertEquals(code, ShardLayout.mortonCode(grid, p.x(), p.y(), p.z()));
      }
    }
    assertEquals(30, cells);
    assertEquals(null, ShardLayout.mortonPosition(grid, 1L << ShardLayout.mortonBits(grid)));
  }

  @Test
  void aRangeThatIsNotAPowerOfTwoIsRefusedNamingTheParameter() {
    PlanningException e =
        assertThrows(
            PlanningException.class,
            () ->
                plan(
                    Map.of("indexBlocks", 3),
                    new SampleFacts(16, new Vec3(1446, 973, 16), "test")));
    assertTrue(e.getMessage().contains("indexBlocks"), e.getMessage());
  }
}
