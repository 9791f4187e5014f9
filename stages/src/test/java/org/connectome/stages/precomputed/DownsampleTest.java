package org.connectome.stages.precomputed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DownsampleTest {
  @Test
  void averages2x2x1WithPartialEdges() {
    ByteVolume v =
        new ByteVolume(3, 3, 1, 1, new byte[] {0, 10, 20, 30, 40, 50, 60, 70, (byte) 255});
    ByteVolume d = Downsample.average(v, 2, 2, 1);
    assertEquals(2, d.sx());
    assertEquals(2, d.sy());
    assertEquals(1, d.sz());
    assertEquals(20, d.get(0, 0, 0)); // (0 + 10 + 30 + 40) / 4
    assertEquals(35, d.get(1, 0, 0)); // (20 + 50) / 2
    assertEquals(65, d.get(0, 1, 0)); // (60 + 70) / 2
    assertEquals(255, d.get(1, 1, 0));
  }

  @Test
  void averages2x2x2AndRounds() {
    ByteVolume v = new ByteVolume(2, 2, 3);
    for (int i = 0; i < 8; i++) {
      v.data()[i] = (byte) (i < 7 ? 1 : 2); // sum 9 over 8 voxels: 1.125 -> 1
    }
    v.data()[8] = 3;
    v.data()[9] = 4; // last plane alone: (3 + 4 + 0 + 0) / 4 = 1.75 -> 2
    ByteVolume d = Downsample.average(v, 2, 2, 2);
    assertArrayEquals(new byte[] {1, 2}, d.data());
  }

  @Test
  void modeKeepsTheMostFrequentLabelAndPrefersNonZeroOnTies() {
    assertEquals(7, Downsample.modeOf(new long[] {7, 7, 3, 0}, 4));
    assertEquals(3, Downsample.modeOf(new long[] {0, 3, 0, 3}, 4));
    assertEquals(5, Downsample.modeOf(new long[] {5, 6, 7, 8}, 4));
    assertEquals(0, Downsample.modeOf(new long[] {0, 0, 0, 9}, 4));
    assertEquals(-1L, Downsample.modeOf(new long[] {-1L, 2, -1L}, 3));
    LabelVolume v = new LabelVolume(3, 2, 2, 1, new long[] {1, 1, 2, 1, 3, 2, 4, 4, 5, 6, 6, 5});
    LabelVolume d = Downsample.mode(v, 2, 2, 1);
    assertArrayEquals(new long[] {1, 2, 4, 5}, d.data());
  }

  /** The pyramid's fast paths give what the general loop gives, edges and ties included. */
  @Test
  void fastPathsAgreeWithTheGeneralLoop() {
    java.util.Random r = new java.util.Random(18);
    for (int[] size : new int[][] {{7, 5, 3}, {8, 6, 4}, {33, 17, 5}, {1, 1, 1}, {2, 3, 2}}) {
      int n = size[0] * size[1] * size[2] * 2;
      byte[] grey = new byte[n];
      r.nextBytes(grey);
      ByteVolume v = new ByteVolume(size[0], size[1], size[2], 2, grey);
      for (int fz : new int[] {1, 2}) {
        assertArrayEquals(
            Downsample.averageAnyFactor(v, 2, 2, fz).data(),
            Downsample.average(v, 2, 2, fz).data(),
            java.util.Arrays.toString(size) + " fz " + fz);
      }
      long[] labels = new long[n];
      for (int i = 0; i < n; i++) {
        // few labels, zero and the top bit among them: many ties
        labels[i] = new long[] {0, 1, 2, -1L}[r.nextInt(4)];
      }
      LabelVolume l = new LabelVolume(size[0], size[1], size[2], 2, labels);
      assertArrayEquals(
          Downsample.modeAnyFactor(l, 2, 2, 1).data(),
          Downsample.mode(l, 2, 2, 1).data(),
          java.util.Arrays.toString(size));
    }
  }

  /**
   * The 2x2x1 and 2x2x2 means eight boxes at a time round exactly as the general loop, at every row
   * width (the loop's remainder) and at the lanes' extremes (all 255, all 0, every box sum's
   * rounding).
   */
  @Test
  void wholeBoxMeansRoundAsTheGeneralLoopAtEveryWidthAndExtreme() {
    java.util.Random r = new java.util.Random(1818);
    for (int sx = 1; sx <= 41; sx++) {
      for (int fill = 0; fill < 4; fill++) {
        byte[] grey = new byte[sx * 4 * 3];
        for (int i = 0; i < grey.length; i++) {
          grey[i] =
              (byte)
                  switch (fill) {
                    case 0 -> 255;
                    case 1 -> 0;
                    case 2 -> r.nextBoolean() ? 255 : 254; // sums just above and below a half
                    default -> r.nextInt(256);
                  };
        }
        ByteVolume v = new ByteVolume(sx, 4, 3, 1, grey);
        for (int fz : new int[] {1, 2}) {
          assertArrayEquals(
              Downsample.averageAnyFactor(v, 2, 2, fz).data(),
              Downsample.average(v, 2, 2, fz).data(),
              "width " + sx + " fill " + fill + " fz " + fz);
        }
      }
    }
  }

  @Test
  void mode4IsModeOfFourForEveryPattern() {
    long[] values = {0, 5, 9, -1L};
    for (int i = 0; i < 256; i++) {
      long[] v = {values[i & 3], values[(i >> 2) & 3], values[(i >> 4) & 3], values[(i >> 6) & 3]};
      assertEquals(
          Downsample.modeOf(v, 4),
          Downsample.mode4(v[0], v[1], v[2], v[3]),
          java.util.Arrays.toString(v));
    }
  }
}
