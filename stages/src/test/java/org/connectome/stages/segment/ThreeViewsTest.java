package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    int nx = 37;
    int ny = 22;
    int nz = 5;
    byte[] img = AffinityModelTest.texture(nx * ny * nz);
    // section 1 not imaged: a row of zeros in every side view
    java.util.Arrays.fill(img, nx * ny, 2 * nx * ny, (byte) 0);
    AffinityParams three = AffinityParams.of("s", Map.of(), new VoxelSize(10, 10, 10));
    try (AffinitySegmenter s = new AffinitySegmenter(three)) {
      AffinityModel.Prediction p = s.predictOnly(new ByteVolume(nx, ny, nz, 1, img));
      assertEquals(nx * ny * nz, p.boundary().length);
      for (int i = 0; i < p.boundary().length; i++) {
        float b = p.boundary()[i];
        float a = p.zAffinity()[i];
        assertTrue(b >= 0 && b <= 1, "boundary " + b);
        assertTrue(a >= 0 && a <= 1, "z affinity " + a);
      }
      for (int i = (nz - 1) * nx * ny; i < nz * nx * ny; i++) {
        assertEquals(0f, p.zAffinity()[i]);
      }
    }
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
