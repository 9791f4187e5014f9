package org.connectome.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PyramidPlanTest {
  private static final Vec3 DEMO = new Vec3(1446, 973, 16);

  @Test
  void compressedMortonCodeFollowsTheVolumeDoc() {
    // a 4x2x1 grid: x bits 0 and 2, y bit 1, no z bit
    Vec3 g = new Vec3(4, 2, 1);
    assertEquals(0, ShardLayout.mortonCode(g, 0, 0, 0));
    assertEquals(1, ShardLayout.mortonCode(g, 1, 0, 0));
    assertEquals(2, ShardLayout.mortonCode(g, 0, 1, 0));
    assertEquals(4, ShardLayout.mortonCode(g, 2, 0, 0));
    assertEquals(7, ShardLayout.mortonCode(g, 3, 1, 0));
  }

  @Test
  void everyChunkOfAShardBoxIsInOneShardAndShardsDoNotShare() {
    Vec3 grid = new Vec3(23, 16, 3);
    ShardLayout l = ShardLayout.choose(grid, 65536, 4L << 20);
    assertEquals(6, l.preshiftBits() + l.minishardBits());
    Vec3 b = l.shardChunks();
    Set<Long> seen = new HashSet<>();
    Vec3 sg = l.shardGrid();
    for (long sz = 0; sz < sg.z(); sz++) {
      for (long sy = 0; sy < sg.y(); sy++) {
        for (long sx = 0; sx < sg.x(); sx++) {
          Set<Long> shards = new HashSet<>();
          for (long z = sz * b.z(); z < Math.min(grid.z(), (sz + 1) * b.z()); z++) {
            for (long y = sy * b.y(); y < Math.min(grid.y(), (sy + 1) * b.y()); y++) {
              for (long x = sx * b.x(); x < Math.min(grid.x(), (sx + 1) * b.x()); x++) {
                shards.add(l.shardOf(ShardLayout.mortonCode(grid, x, y, z)));
              }
            }
          }
          assertEquals(1, shards.size());
          assertTrue(seen.add(shards.iterator().next()));
        }
      }
    }
    assertEquals(sg.volume(), seen.size());
  }

  @Test
  void demoIsShardedByDefaultAndThePyramidEndsInOneChunk() {
    PyramidPlan p = PyramidPlan.of(DEMO, Map.of(), 1);
    assertTrue(p.sharded(), "22 MiB of image is above the 16 MiB default");
    assertEquals(0, p.compressTop());
    PyramidPlan.Level top = p.levels().get(p.levels().size() - 1);
    assertEquals(new Vec3(1, 1, 1), p.grid(top.index()));
    assertEquals(5, p.pyramidLevels());
  }

  @Test
  void unshardedKeepsTheScalesWithinABlock() {
    PyramidPlan p =
        PyramidPlan.of(
            DEMO, Map.of("sharding", "never", "blockSize", java.util.List.of(512, 512, 16)), 1);
    assertFalse(p.sharded());
    assertEquals(3, p.compressTop());
    assertEquals(2, p.pyramidLevels());
    assertEquals(new Vec3(46, 61, 16), p.levels().get(5).size());
  }

  @Test
  void shardFilesGrowWithVolumeOverShardSize() {
    // H01: 125,000 x 125,000 x 5,300 uint8 in 64x64x16 chunks, 1 GiB shards
    Vec3 h01 = new Vec3(125_000, 125_000, 5_300);
    PyramidPlan p = PyramidPlan.of(h01, Map.of(), 1);
    long bytes = h01.volume();
    long files = p.shardLayout(0).shardFiles();
    assertTrue(files >= bytes / (1L << 30) && files <= 2 * bytes / (1L << 30) + 8, "" + files);
  }
}
