package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RelabelTest {
  private static LongCounts map(long... pairs) {
    LongCounts m = new LongCounts();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  @Test
  void everyIdTakesItsGlobalIdAndBackgroundLeavesTheTargetAsItWas() {
    long[] src = {9, 3, 3, 0, 0, 7, 3, -2L};
    long[] dst = {0, 0, 55, 55, 55, 55, 55, 55, 55, 55};
    LongCounts m = map(3, 30, 7, 70, 9, 90, -2L, Long.MAX_VALUE);
    assertEquals(0, Relabel.remap(src, 0, dst, 2, src.length, m));
    assertArrayEquals(new long[] {0, 0, 90, 30, 30, 55, 55, 70, 30, Long.MAX_VALUE}, dst);
  }

  @Test
  void anIdWithoutAGlobalIdIsReturnedAndNothingAfterItIsWritten() {
    long[] src = {3, 3, 4, 3};
    long[] dst = new long[4];
    assertEquals(4, Relabel.remap(src, 0, dst, 0, 4, map(3, 30)));
    assertArrayEquals(new long[] {30, 30, 0, 0}, dst);
    // a map entry of 0 or less is no global id either
    assertEquals(5, Relabel.remap(new long[] {5}, 0, new long[1], 0, 1, map(5, 0)));
  }
}
