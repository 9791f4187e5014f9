package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.connectome.spec.VoxelSize;
import org.connectome.stages.precomputed.ByteVolume;
import org.junit.jupiter.api.Test;

class ThreeViewsTest {
  static final int NX = 5;
  static final int NY = 3;
  static final int NZ = 4;

  static ByteVolume numbered() {
    byte[] d = new byte[NX * NY * NZ];
    for (int i = 0; i < d.length; i++) {
      d[i] = (byte) (i + 1);
    }
    return new ByteVolume(NX, NY, NZ, 1, d);
  }

  static int at(int x, int y, int z) {
    return (z * NY + y) * NX + x;
  }

  @Test
  void theSideViewsHoldEveryVoxelWhereTheirSectionsPutIt() {
    ByteVolume v = numbered();
    byte[] xz = ThreeViews.xzSections(v);
    byte[] yz = ThreeViews.yzSections(v);
    for (int z = 0; z < NZ; z++) {
      for (int y = 0; y < NY; y++) {
        for (int x = 0; x < NX; x++) {
          byte want = v.data()[at(x, y, z)];
          assertEquals(want, xz[(y * NZ + z) * NX + x], "xz at " + x + "," + y + "," + z);
          assertEquals(want, yz[(x * NZ + z) * NY + y], "yz at " + x + "," + y + "," + z);
        }
      }
    }
  }

  @Test
  void boundariesAreTheMeanOfTheThreeViews() {
    int n = NX * NY * NZ;
    float[] xy = new float[n];
    float[] xz = new float[n];
    float[] yz = new float[n];
    // one voxel called boundary by each view, each in its own layout
    xy[at(1, 1, 1)] = 0.9f;
    xz[(1 * NZ + 1) * NX + 1] = 0.6f;
    yz[(1 * NZ + 1) * NY + 1] = 0.3f;
    AffinityModel.Prediction p =
        ThreeViews.combine(new AffinityModel.Prediction(NX, NY, NZ, xy, new float[n]), xz, yz);
    assertEquals(0.6f, p.boundary()[at(1, 1, 1)], 1e-6);
    assertEquals(0f, p.boundary()[at(2, 1, 1)], 0f);
  }

  @Test
  void theShippedModelReadsAnUnevenIsotropicVolumeInThreeViews() throws Exception {
    // section 1 not imaged: a row of zeros in every side view
    AffinityParams three = AffinityParams.of("s", Map.of(), new VoxelSize(10, 10, 10));
    AffinityModelTest.checkedPrediction(three, 37, 22, 5, true);
  }

  @Test
  void autoReadsIsotropicVoxelsInThreeViewsAndSerialSectionsAsSections() {
    Map<String, Object> auto = Map.of();
    assertEquals(
        AffinityParams.Views.THREE,
        AffinityParams.of("s", auto, new VoxelSize(10, 10, 10)).views());
    assertEquals(
        AffinityParams.Views.THREE, AffinityParams.of("s", auto, new VoxelSize(8, 8, 12)).views());
    assertEquals(
        AffinityParams.Views.SECTIONS,
        AffinityParams.of("s", auto, new VoxelSize(8, 8, 33)).views());
    assertEquals(AffinityParams.Views.SECTIONS, AffinityParams.of("s", auto, null).views());
    assertEquals(
        AffinityParams.Views.SECTIONS,
        AffinityParams.of("s", Map.of("views", "sections"), new VoxelSize(10, 10, 10)).views());
    assertEquals(
        AffinityParams.Views.THREE,
        AffinityParams.of("s", Map.of("views", "three"), new VoxelSize(4, 4, 40)).views());
  }
}
