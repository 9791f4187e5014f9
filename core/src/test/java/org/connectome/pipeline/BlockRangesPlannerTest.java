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
    assertEquals(
        (blocks.unitCount() + indexBlocks(synapseParams) - 1) / indexBlocks(synapseParams),
        ranges.unitCount(),
        "ranges of the detect grid's " + blocks.unitCount() + " blocks");
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
    assertEquals(3, u.unitCount());
    assertEquals(Planners.BlockRangesPlanner.KIND, u.unitKind());
  }

  @Test
  void anH01SizedVolumeGivesThousandsOfRanges() throws Exception {
    UnitSpace u =
        plan(
            Map.of("blockSize", List.of(1024, 1024, 64), "blockOverlap", List.of(32, 32, 4)),
            new SampleFacts(5300, new Vec3(125_000, 125_000, 5300), "test"));
    // 123 x 123 x 83 blocks in ranges of 256
    assertEquals((123L * 123 * 83 + 255) / 256, u.unitCount());
    assertTrue(u.unitCount() > 4000, u.description());
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
