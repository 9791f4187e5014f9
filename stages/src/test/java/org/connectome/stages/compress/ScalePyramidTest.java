package org.connectome.stages.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.junit.jupiter.api.Test;

class ScalePyramidTest {
  private static final long[] DEMO = {1446, 973, 16};

  @Test
  void demoVolumeGetsFourScalesWithTheDefaults() {
    ScalePyramid p =
        ScalePyramid.plan(
            "compress.image",
            DEMO,
            new int[] {512, 512, 16},
            new int[] {64, 64, 16},
            new int[] {2, 2, 1},
            null);
    assertEquals(
        4,
        p.levels().size(),
        "1446 -> 723 -> 362 -> 181; 16x needs blocks of 32, not whole chunks");
    assertArrayEquals(new long[] {181, 122, 16}, p.levels().get(3).size());
    assertArrayEquals(new double[] {64, 64, 33}, p.resolution(new double[] {8, 8, 33}, 3));
    Box last = new Box(new Vec3(1024, 512, 0), new Vec3(1446, 973, 16));
    assertEquals("128-181_64-122_0-16", p.region(last, 3).chunkName());
    assertEquals("512-723_256-487_0-16", p.region(last, 1).chunkName());
  }

  @Test
  void autoScalesStopWhenTheCoarsestFitsAChunk() {
    ScalePyramid p =
        ScalePyramid.plan(
            "compress.image",
            new long[] {1000, 300, 10},
            new int[] {2048, 2048, 16},
            new int[] {64, 64, 16},
            new int[] {2, 2, 1},
            null);
    // 1000 -> 500 -> 250 -> 125 -> 63 (fits 64)
    assertEquals(5, p.levels().size());
    ScalePyramid q =
        ScalePyramid.plan(
            "compress.image",
            new long[] {1000, 300, 64},
            new int[] {1024, 1024, 64},
            new int[] {64, 64, 16},
            new int[] {2, 2, 2},
            null);
    assertEquals(3, q.levels().size(), "z halves too: 64 -> 32 -> 16, then a block has 8 planes");
    assertArrayEquals(new long[] {250, 75, 16}, q.levels().get(2).size());
  }

  @Test
  void explainsParametersThatCannotWork() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ScalePyramid.plan(
                    "compress.image",
                    DEMO,
                    new int[] {500, 512, 16},
                    new int[] {64, 64, 16},
                    new int[] {2, 2, 1},
                    null));
    assertTrue(
        e.getMessage()
            .contains("blockSize [500, 512, 16] must be a multiple of the chunk size [64, 64, 16]"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ScalePyramid.plan(
                    "compress.image",
                    DEMO,
                    new int[] {512, 512, 16},
                    new int[] {64, 64, 16},
                    new int[] {2, 2, 1},
                    5));
    assertTrue(
        e.getMessage().contains("at scale 4 (downsampled 16x16x1) a block covers 32x32x16 voxels"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ScalePyramid.plan(
                    "compress.image",
                    DEMO,
                    new int[] {512, 512, 16},
                    new int[] {64, 64, 16},
                    new int[] {3, 3, 1},
                    null));
    assertTrue(e.getMessage().contains("params.downsample"), e.getMessage());
  }
}
