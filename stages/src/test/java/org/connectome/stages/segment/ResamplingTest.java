package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.connectome.spec.VoxelSize;
import org.connectome.stages.precomputed.ByteVolume;
import org.junit.jupiter.api.Test;

class ResamplingTest {
  @Test
  void shrinkingAveragesTheImagedVoxelsOfEachBox() {
    // 5 x 2 x 1: boxes of 2 x 2 -> 3 x 1, the last box half outside
    byte[] d = {10, 20, 30, 0, 50, 30, 40, 0, 0, 70};
    ByteVolume s = Resampling.shrink(new ByteVolume(5, 2, 1, 1, d), 2, 1);
    assertEquals(3, s.sx());
    assertEquals(1, s.sy());
    assertArrayEquals(new byte[] {25, 30, 60}, s.data());
  }

  @Test
  void aBoxWithoutAnImagedVoxelStaysUnimagedAndSectionsPoolInThreeD() {
    byte[] d = new byte[4 * 2 * 2];
    // the box x 0..1 of sections 0 and 1: one imaged voxel of 9 in section 1; the other box none
    d[4 * 2 + 1] = 9;
    ByteVolume s = Resampling.shrink(new ByteVolume(4, 2, 2, 1, d), 2, 2);
    assertArrayEquals(new byte[] {9, 0}, s.data());
  }

  @Test
  void growingInterpolatesBetweenPixelCentresAndHoldsAtTheEdges() {
    // a ramp of 2 x 1 low-resolution pixels, 0 and 1, grown by 2: centres at 0.5 and 2.5
    AffinityModel.Prediction low =
        new AffinityModel.Prediction(2, 1, 1, new float[] {0, 1}, new float[] {0.5f, 0.5f});
    AffinityModel.Prediction p = Resampling.grow(low, 4, 2, 1, 2, 1);
    assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1, 0, 0.25f, 0.75f, 1}, p.boundary(), 1e-6f);
    for (float a : p.zAffinity()) {
      assertEquals(0.5f, a, 1e-6f);
    }
  }

  @Test
  void theNetworkReadsSectionsAtItsOwnPixelSize() {
    VoxelSize isbi = new VoxelSize(4, 4, 50);
    assertEquals(2, AffinityParams.of("s", Map.of(), isbi).downsample());
    assertEquals(1, AffinityParams.of("s", Map.of(), new VoxelSize(8, 8, 33)).downsample());
    assertEquals(1, AffinityParams.of("s", Map.of(), new VoxelSize(10, 10, 10)).downsample());
    assertEquals(1, AffinityParams.of("s", Map.of(), new VoxelSize(16, 16, 40)).downsample());
    assertEquals(2, AffinityParams.of("s", Map.of(), new VoxelSize(5, 5, 40)).downsample());
    assertEquals(3, AffinityParams.of("s", Map.of(), new VoxelSize(3, 3, 30)).downsample());
    assertEquals(1, AffinityParams.of("s", Map.of(), null).downsample());
    assertEquals(1, AffinityParams.of("s", Map.of("downsample", 1), isbi).downsample());
  }

  @Test
  void sureMembranesAreForSerialSectionsOnly() {
    assertEquals(0.1, AffinityParams.of("s", Map.of(), new VoxelSize(4, 4, 50)).sureMembrane());
    assertEquals(0, AffinityParams.of("s", Map.of(), new VoxelSize(10, 10, 10)).sureMembrane());
    assertEquals(
        0.3,
        AffinityParams.of("s", Map.of("sureMembrane", 0.3), new VoxelSize(10, 10, 10))
            .sureMembrane());
  }

  @Test
  void aShrunkPredictionCoversEveryVoxelOfTheSubvolume() throws Exception {
    AffinityParams p = AffinityParams.of("s", Map.of(), new VoxelSize(4, 4, 40));
    assertEquals(37, AffinityModelTest.checkedPrediction(p, 37, 22, 3, false).nx());
  }
}
