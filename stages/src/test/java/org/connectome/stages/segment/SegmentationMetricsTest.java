package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Variation of information and adapted Rand error on small label arrays with values worked out by
 * hand.
 */
class SegmentationMetricsTest {
  static SegmentationMetrics.Result of(long[] seg, int[] truth) {
    SegmentationMetrics m = new SegmentationMetrics();
    m.addAll(seg, truth);
    return m.result();
  }

  @Test
  void identicalPartitionsUnderOtherNamesScoreZero() {
    SegmentationMetrics.Result r = of(new long[] {7, 7, 9, 9, 1L << 40}, new int[] {1, 1, 2, 2, 3});
    assertEquals(0, r.viSplit(), 1e-12);
    assertEquals(0, r.viMerge(), 1e-12);
    assertEquals(0, r.arand(), 1e-12);
    assertEquals(3, r.segments());
    assertEquals(3, r.cells());
  }

  @Test
  void oneCellCutInHalfIsOneBitOfSplit() {
    // truth: one cell of 4 voxels; seg: 2 + 2. H(seg|truth) = 1 bit, H(truth|seg) = 0.
    // Rand: sum n_ij^2 = 8, sum a_i^2 = 8, sum b_j^2 = 16: P = 1, R = 0.5, F = 2/3, ARAND = 1/3.
    SegmentationMetrics.Result r = of(new long[] {1, 1, 2, 2}, new int[] {5, 5, 5, 5});
    assertEquals(1.0, r.viSplit(), 1e-12);
    assertEquals(0.0, r.viMerge(), 1e-12);
    assertEquals(1.0 / 3, r.arand(), 1e-12);
  }

  @Test
  void twoCellsMergedIsOneBitOfMerge() {
    SegmentationMetrics.Result r = of(new long[] {3, 3, 3, 3}, new int[] {1, 1, 2, 2});
    assertEquals(0.0, r.viSplit(), 1e-12);
    assertEquals(1.0, r.viMerge(), 1e-12);
    assertEquals(1.0 / 3, r.arand(), 1e-12);
  }

  @Test
  void unevenMixture() {
    // truth a = {0,1,2}, b = {3}; seg x = {0,1}, y = {2,3}. n = 4.
    // H(truth|seg): x is pure (0); y holds one a and one b: 1 bit * 2/4 = 0.5.
    // H(seg|truth): a holds 2 x and 1 y: (3/4) H(2/3, 1/3) = 0.75 * 0.918296 = 0.688722; b pure.
    // Rand: n_ij = 2, 1, 1 -> 6; a_i = 2, 2 -> 8; b_j = 3, 1 -> 10. P = 0.75, R = 0.6, F = 0.9/1.35
    // = 2/3.
    SegmentationMetrics.Result r = of(new long[] {10, 10, 20, 20}, new int[] {1, 1, 1, 2});
    double h =
        -(2.0 / 3) * Math.log(2.0 / 3) / Math.log(2) - (1.0 / 3) * Math.log(1.0 / 3) / Math.log(2);
    assertEquals(0.75 * h, r.viSplit(), 1e-12);
    assertEquals(0.5, r.viMerge(), 1e-12);
    assertEquals(0.75, r.precision(), 1e-12);
    assertEquals(0.6, r.recall(), 1e-12);
    assertEquals(1 - 2 * 0.75 * 0.6 / 1.35, r.arand(), 1e-12);
  }

  @Test
  void voxelsWithoutTruthAreLeftOutAndUnsegmentedOnesCount() {
    // truth 0 (not imaged) ignored; seg 0 is one more segment: cell 4 split between 0 and 8 -> 1
    // bit * 2/4
    SegmentationMetrics.Result r = of(new long[] {8, 0, 5, 5, 99}, new int[] {4, 4, 6, 6, 0});
    assertEquals(0.5, r.viSplit(), 1e-12);
    assertEquals(0.0, r.viMerge(), 1e-12);
    assertEquals(3, r.segments());
    assertEquals(2, r.cells());
  }
}
