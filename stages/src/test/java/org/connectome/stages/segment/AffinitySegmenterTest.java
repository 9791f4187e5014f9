package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.LabelVolume;
import org.junit.jupiter.api.Test;

/**
 * Fragments and mean-affinity agglomeration on predictions made from synthetic tissue whose cells
 * the test knows: a boundary map and z affinities with noise and gaps, the network's kind of
 * errors, so that only the watershed and the agglomeration are under test here (the network itself
 * is checked by {@code AffinityModelTest} and scored on real volumes by {@code
 * RealVolumeEvaluationTest}).
 */
class AffinitySegmenterTest {
  /** A prediction from the truth: boundaries where labels change, noisy, with broken boundaries. */
  static AffinityModel.Prediction predictionOf(SyntheticTissue t, double noise, double gaps) {
    return predictionOf(t, noise, gaps, false);
  }

  /**
   * A noisy prediction of {@code t}'s cells, with {@code gaps} of the boundary missed; with {@code
   * throughZ} a voxel whose cell changes to the next or the previous section is boundary too, as
   * the three views see it on isotropic voxels.
   */
  static AffinityModel.Prediction predictionOf(
      SyntheticTissue t, double noise, double gaps, boolean throughZ) {
    SplittableRandom r = new SplittableRandom(3);
    int nx = t.nx;
    int ny = t.ny;
    int nz = t.nz;
    int plane = nx * ny;
    float[] b = new float[plane * nz];
    float[] za = new float[plane * nz];
    for (int z = 0; z < nz; z++) {
      for (int y = 0; y < ny; y++) {
        for (int x = 0; x < nx; x++) {
          int i = z * plane + y * nx + x;
          int l = t.truth[i];
          boolean edge =
              (x > 0 && t.truth[i - 1] != l)
                  || (x + 1 < nx && t.truth[i + 1] != l)
                  || (y > 0 && t.truth[i - nx] != l)
                  || (y + 1 < ny && t.truth[i + nx] != l)
                  || (throughZ && z > 0 && t.truth[i - plane] != l)
                  || (throughZ && z + 1 < nz && t.truth[i + plane] != l);
          double v = edge ? (r.nextDouble() < gaps ? 0.3 : 0.9) : 0.1;
          b[i] = (float) clamp(v + noise * (r.nextDouble() - 0.5));
          if (z + 1 < nz) {
            double a = t.truth[i + plane] == l ? 0.85 : 0.15;
            za[i] = (float) clamp(a + noise * (r.nextDouble() - 0.5));
          }
        }
      }
    }
    return new AffinityModel.Prediction(nx, ny, nz, b, za);
  }

  private static double clamp(double v) {
    return Math.max(0, Math.min(1, v));
  }

  @Test
  void noisyPredictionsWithBrokenBoundariesGiveTheCells() throws Exception {
    SyntheticTissue.Options o = new SyntheticTissue.Options();
    o.drift = 2;
    SyntheticTissue t = SyntheticTissue.generate(200, 160, 8, o);
    LabelVolume l =
        new AffinitySegmenter(AffinityParams.DEFAULTS, null)
            .segment(t.image, predictionOf(t, 0.3, 0.2));
    SegmentationMetrics.Result r = t.scoreInside(l.data(), 12);
    assertTrue(r.viSplit() < 0.15, "split " + r.viSplit());
    assertTrue(r.viMerge() < 0.15, "merge " + r.viMerge());
    // every imaged voxel has a segment, consecutive from 1
    long max = 0;
    for (long v : l.data()) {
      assertTrue(v > 0);
      max = Math.max(max, v);
    }
    assertTrue(max >= r.cells() / 2, "segments " + max);
  }

  @Test
  void inThreeViewsIsotropicCellsAreFoundFromFragmentsIn3d() throws Exception {
    SyntheticTissue.Options o = new SyntheticTissue.Options();
    o.drift = 1;
    SyntheticTissue t = SyntheticTissue.generate(120, 100, 40, o);
    // boundaries seen in 3D (the cell changing to the next section too), 15 % of them missed
    AffinityModel.Prediction p = predictionOf(t, 0.3, 0.15, true);
    AffinityParams three =
        AffinityParams.of("test", java.util.Map.of(), new org.connectome.spec.VoxelSize(8, 8, 8));
    assertEquals(AffinityParams.Views.THREE, three.views());
    SegmentationMetrics.Result r =
        t.scoreInside(new AffinitySegmenter(three, null).segment(t.image, p).data(), 12);
    // the per-section fragments of the same prediction give 0.08 and 0.08
    assertTrue(r.viSplit() < 0.05, "split " + r.viSplit());
    assertTrue(r.viMerge() < 0.05, "merge " + r.viMerge());
  }

  @Test
  void linksThroughTheNextSectionNeverJoinTwoCellsASureMembranePartsInTheirSection()
      throws Exception {
    int nx = 60;
    int ny = 30;
    int nz = 2;
    int plane = nx * ny;
    byte[] img = new byte[plane * nz];
    java.util.Arrays.fill(img, (byte) 150);
    float[] b = new float[plane * nz];
    float[] za = new float[plane * nz];
    java.util.Arrays.fill(b, 0.05f);
    // section 0: two cells parted by a membrane at x = 29, 30; section 1 one cell over both, which
    // the network links to each (as when a cell moves far between thick sections)
    for (int y = 0; y < ny; y++) {
      b[y * nx + 29] = 0.95f;
      b[y * nx + 30] = 0.95f;
    }
    java.util.Arrays.fill(za, 0, plane, 0.9f);
    AffinityParams p =
        AffinityParams.of(
            "test", java.util.Map.of("minSize", 0), new org.connectome.spec.VoxelSize(8, 8, 40));
    assertEquals(0.1, p.sureMembrane());
    long[] l =
        new AffinitySegmenter(p, null)
            .segment(
                new ByteVolume(nx, ny, nz, 1, img), new AffinityModel.Prediction(nx, ny, nz, b, za))
            .data();
    long left = l[15 * nx + 10];
    long right = l[15 * nx + 50];
    org.junit.jupiter.api.Assertions.assertNotEquals(left, right);
    // and the cell of section 1 joined one of them
    long above = l[plane + 15 * nx + 10];
    assertTrue(above == left || above == right, "section 1: " + above);
  }

  @Test
  void withoutAgglomerationTheFragmentsOverSegment() throws Exception {
    SyntheticTissue t = SyntheticTissue.generate(200, 160, 6, new SyntheticTissue.Options());
    AffinityModel.Prediction p = predictionOf(t, 0.3, 0.2);
    AffinityParams none = AffinityParams.of("test", Map.of("mergeThreshold", 1, "minSize", 0));
    SegmentationMetrics.Result fragments =
        t.scoreInside(new AffinitySegmenter(none, null).segment(t.image, p).data(), 12);
    SegmentationMetrics.Result merged =
        t.scoreInside(
            new AffinitySegmenter(AffinityParams.DEFAULTS, null).segment(t.image, p).data(), 12);
    assertTrue(fragments.viSplit() > 1, "fragments split " + fragments.viSplit());
    assertTrue(merged.vi() < fragments.vi() / 4, merged.vi() + " vs " + fragments.vi());
  }

  @Test
  void unimagedVoxelsStayZeroAndAMissingTileIsBridged() throws Exception {
    SyntheticTissue.Options o = new SyntheticTissue.Options();
    o.hole = new int[] {0, 90, 0, 90};
    o.holeSection = 2;
    SyntheticTissue t = SyntheticTissue.generate(200, 160, 5, o);
    AffinityModel.Prediction p = predictionOf(t, 0.2, 0.1);
    // where the tile is missing, the network saw nothing: no affinity into or out of it
    int plane = t.nx * t.ny;
    for (int i = 0; i < plane; i++) {
      if (t.image.data()[2 * plane + i] == 0) {
        p.zAffinity()[plane + i] = 0.5f;
        p.zAffinity()[2 * plane + i] = 0.5f;
      }
    }
    LabelVolume l = new AffinitySegmenter(AffinityParams.DEFAULTS, null).segment(t.image, p);
    for (int i = 0; i < l.data().length; i++) {
      if (t.image.data()[i] == 0) {
        assertEquals(0, l.data()[i]);
      }
    }
    SegmentationMetrics.Result r = t.scoreInside(l.data(), 12);
    assertTrue(r.viSplit() < 0.2, "split " + r.viSplit());
    assertTrue(r.viMerge() < 0.2, "merge " + r.viMerge());
  }
}
