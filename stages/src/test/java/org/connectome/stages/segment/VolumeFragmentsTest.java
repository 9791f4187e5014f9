package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumeFragmentsTest {
  static final int N = 40;
  static final AffinityParams P = AffinityParams.DEFAULTS;

  static int at(int x, int y, int z) {
    return (z * N + y) * N + x;
  }

  static byte[] imaged() {
    byte[] img = new byte[N * N * N];
    java.util.Arrays.fill(img, (byte) 150);
    return img;
  }

  /** The label that holds most of the voxels {@code x0 <= x < x1}, and its share. */
  static double share(int[] frag, int x0, int x1, int[] label) {
    Map<Integer, Integer> counts = new HashMap<>();
    int total = 0;
    for (int z = 0; z < N; z++) {
      for (int y = 0; y < N; y++) {
        for (int x = x0; x < x1; x++) {
          counts.merge(frag[at(x, y, z)], 1, Integer::sum);
          total++;
        }
      }
    }
    Map.Entry<Integer, Integer> best =
        counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
    label[0] = best.getKey();
    return (double) best.getValue() / total;
  }

  @Test
  void aGapInAMembraneDoesNotJoinTheCellsOnEitherSide() {
    float[] b = new float[N * N * N];
    // a membrane across the volume at x = 20, with a gap of 2 x 2 voxels in its middle
    for (int z = 0; z < N; z++) {
      for (int y = 0; y < N; y++) {
        boolean gap = (y == 19 || y == 20) && (z == 19 || z == 20);
        b[at(20, y, z)] = gap ? 0f : 1f;
      }
    }
    int[] frag = new int[N * N * N];
    VolumeFragments.fragments(imaged(), b, N, N, N, P, frag, 1);
    int[] left = new int[1];
    int[] right = new int[1];
    double l = share(frag, 0, 17, left);
    double r = share(frag, 23, N, right);
    assertNotEquals(left[0], right[0], "one fragment on both sides of the membrane");
    assertTrue(l > 0.95 && r > 0.95, "left " + l + ", right " + r);
  }

  @Test
  void aProcessTooThinForA3dSeedKeepsFragmentsOfItsOwn() {
    float[] b = new float[N * N * N];
    // a neurite of radius 2.5 along z through a large cell: its wall is boundary, its inside not
    for (int z = 0; z < N; z++) {
      for (int y = 0; y < N; y++) {
        for (int x = 0; x < N; x++) {
          double r = Math.hypot(x - 20, y - 20);
          b[at(x, y, z)] = r >= 2.5 && r < 3.5 ? 1f : 0f;
        }
      }
    }
    int[] frag = new int[N * N * N];
    VolumeFragments.fragments(imaged(), b, N, N, N, P, frag, 1);
    for (int z = 0; z < N; z++) {
      assertNotEquals(
          frag[at(5, 5, z)], frag[at(20, 20, z)], "the neurite's centre in section " + z);
    }
  }

  @Test
  void unimagedVoxelsStayZeroAndEveryImagedVoxelHasAFragment() {
    byte[] img = imaged();
    // section 7 not imaged, and a block of another
    java.util.Arrays.fill(img, at(0, 0, 7), at(0, 0, 8), (byte) 0);
    for (int y = 0; y < 10; y++) {
      java.util.Arrays.fill(img, at(0, y, 30), at(10, y, 30), (byte) 0);
    }
    float[] b = new float[N * N * N];
    for (int i = 0; i < b.length; i++) {
      b[i] = (i * 7919) % 10 == 0 ? 0.9f : 0.1f;
    }
    int[] frag = new int[N * N * N];
    int next = VolumeFragments.fragments(img, b, N, N, N, P, frag, 5);
    for (int i = 0; i < frag.length; i++) {
      if (img[i] == 0) {
        assertEquals(0, frag[i], "unimaged voxel " + i);
      } else {
        assertTrue(frag[i] >= 5 && frag[i] < next, "voxel " + i + ": " + frag[i]);
      }
    }
  }
}
