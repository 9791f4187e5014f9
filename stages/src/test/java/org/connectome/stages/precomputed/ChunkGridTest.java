package org.connectome.stages.precomputed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.junit.jupiter.api.Test;

class ChunkGridTest {
  private static final VolumeInfo.Scale SCALE =
      VolumeInfo.Scale.of(
          new long[] {100, 70, 20},
          new double[] {8, 8, 33},
          new int[] {64, 64, 16},
          Encoding.RAW,
          null);

  private static Box box(long x0, long x1, long y0, long y1, long z0, long z1) {
    return new Box(new Vec3(x0, y0, z0), new Vec3(x1, y1, z1));
  }

  @Test
  void namesChunksClippedToTheVolume() {
    ChunkGrid g = new ChunkGrid(SCALE);
    assertEquals(new Vec3(2, 2, 2), g.gridSize());
    assertEquals("0-64_0-64_0-16", ChunkGrid.name(g.chunk(0, 0, 0)));
    assertEquals("64-100_64-70_16-20", ChunkGrid.name(g.chunk(1, 1, 1)));
  }

  @Test
  void findsTheChunksOfARegionXFastest() {
    ChunkGrid g = new ChunkGrid(SCALE);
    List<Box> c = g.chunksIntersecting(box(60, 70, 10, 66, 15, 17));
    assertEquals(
        List.of(
            "0-64_0-64_0-16",
            "64-100_0-64_0-16",
            "0-64_64-70_0-16",
            "64-100_64-70_0-16",
            "0-64_0-64_16-20",
            "64-100_0-64_16-20",
            "0-64_64-70_16-20",
            "64-100_64-70_16-20"),
        c.stream().map(ChunkGrid::name).toList());
    assertEquals(List.of(), g.chunksIntersecting(box(100, 120, 0, 10, 0, 1)));
  }

  @Test
  void alignedRegionsAreWholeChunks() {
    ChunkGrid g = new ChunkGrid(SCALE);
    assertTrue(g.isChunkAligned(box(0, 100, 0, 70, 0, 20)));
    assertTrue(g.isChunkAligned(box(64, 100, 0, 64, 16, 20)));
    assertFalse(g.isChunkAligned(box(0, 32, 0, 64, 0, 16)));
    assertFalse(g.isChunkAligned(box(1, 64, 0, 64, 0, 16)));
    assertFalse(g.isChunkAligned(box(64, 128, 0, 64, 0, 16)));
  }

  @Test
  void honoursTheVoxelOffset() {
    VolumeInfo.Scale s =
        new VolumeInfo.Scale(
            "k",
            new long[] {10, 10, 10},
            new double[] {1, 1, 1},
            new long[] {5, 0, 0},
            List.of(new int[] {4, 4, 4}),
            Encoding.RAW,
            null,
            null);
    ChunkGrid g = new ChunkGrid(s);
    assertEquals("5-9_0-4_0-4", ChunkGrid.name(g.chunk(0, 0, 0)));
    assertEquals("13-15_8-10_8-10", ChunkGrid.name(g.chunk(2, 2, 2)));
  }
}
