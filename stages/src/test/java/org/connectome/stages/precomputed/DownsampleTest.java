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
}
