package org.connectome.stages.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pairwise tile registration on synthetic tiles with known offsets. */
class PairRegistrationTest {
  static FloatImage tissue;

  @BeforeAll
  static void texture() {
    tissue = Textures.tissue(640, 420, 7);
  }

  /**
   * Tile a at (20, 30) of the tissue, tile b at (20 + dx, 30 + dy); b's nominal offset is (nomDx,
   * nomDy).
   */
  static PairRegistration.Result register(
      double dx, double dy, double nomDx, double nomDy, double noise) {
    FloatImage a = Textures.crop(tissue, 20, 30, 256, 224, noise, 1);
    FloatImage b = Textures.crop(tissue, 20 + dx, 30 + dy, 256, 224, noise, 2);
    return PairRegistration.register(a, b, nomDx, nomDy, PairRegistration.Params.DEFAULT);
  }

  @Test
  void integerShiftOfAHorizontalNeighbour() {
    PairRegistration.Result r = register(240, 3, 235, 0, 0);
    assertTrue(r.accepted(), r.reason());
    assertEquals(240, r.dx(), 0.05);
    assertEquals(3, r.dy(), 0.05);
    assertTrue(r.ncc() > 0.95, "ncc " + r.ncc());
  }

  @Test
  void subPixelShiftOfADiagonalNeighbour() {
    PairRegistration.Result r = register(122.37, 201.71, 117.8, 206.1, 0);
    assertTrue(r.accepted(), r.reason());
    assertEquals(122.37, r.dx(), 0.15);
    assertEquals(201.71, r.dy(), 0.15);
  }

  @Test
  void subPixelShiftWithDetectorNoise() {
    PairRegistration.Result r = register(231.64, -4.28, 235.5, 0, 8);
    assertTrue(r.accepted(), r.reason());
    assertEquals(231.64, r.dx(), 0.3);
    assertEquals(-4.28, r.dy(), 0.3);
  }

  @Test
  void smallOverlapOfTwelvePixels() {
    // b starts 244 px right of a: 12 px of overlap, 7 px from the nominal position
    PairRegistration.Result r = register(244.2, 5.6, 237.0, 0, 4);
    assertTrue(r.accepted(), r.reason());
    assertEquals(244.2, r.dx(), 0.3);
    assertEquals(5.6, r.dy(), 0.3);
  }

  @Test
  void blankPairIsRejected() {
    FloatImage flat = new FloatImage(640, 420);
    java.util.Arrays.fill(flat.data(), 140f);
    FloatImage a = Textures.crop(flat, 20, 30, 256, 224, 2, 1);
    FloatImage b = Textures.crop(flat, 260, 30, 256, 224, 2, 2);
    PairRegistration.Result r =
        PairRegistration.register(a, b, 235, 0, PairRegistration.Params.DEFAULT);
    assertFalse(r.accepted(), "a blank pair must not register: " + r);
    assertTrue(
        r.reason().contains("low texture") || r.reason().contains("weak correlation"), r.reason());
  }

  @Test
  void pairOfUnrelatedImagesIsRejected() {
    FloatImage other = Textures.tissue(640, 420, 99);
    FloatImage a = Textures.crop(tissue, 20, 30, 256, 224, 4, 1);
    FloatImage b = Textures.crop(other, 260, 30, 256, 224, 4, 2);
    PairRegistration.Result r =
        PairRegistration.register(a, b, 235, 0, PairRegistration.Params.DEFAULT);
    assertFalse(r.accepted(), "unrelated tiles must not register: " + r);
  }

  @Test
  void informationIsSmallAlongASingleStraightEdge() {
    // a vertical step edge: constrained in x, not in y (the aperture problem)
    FloatImage edge = new FloatImage(640, 420);
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    for (int y = 0; y < 420; y++) {
      for (int x = 0; x < 640; x++) {
        edge.set(x, y, (float) ((x < 250 ? 90 : 170) + rnd.nextDouble()));
      }
    }
    FloatImage a = Textures.crop(edge, 0, 0, 256, 224, 0, 1);
    FloatImage b = Textures.crop(edge, 240, 0, 256, 224, 0, 2);
    double[] info = PairRegistration.psd(PairRegistration.information(a, b, 240, 0));
    assertTrue(
        info[0] > 50 * Math.max(info[2], 1e-9), "x information " + info[0] + " y " + info[2]);
  }

  @Test
  void phaseCorrelationFindsACircularShift() {
    int w = 96;
    int h = 80;
    FloatImage a = Textures.crop(tissue, 100, 100, w, h, 0, 1);
    FloatImage b = Textures.crop(tissue, 100 - 7, 100 + 4, w, h, 0, 1);
    // b(p) = a(p - d) with d = (7, -4)
    List<PhaseCorrelation.Peak> p =
        PhaseCorrelation.peaks(
            PhaseCorrelation.prepare(a.data(), w, h, 8),
            PhaseCorrelation.prepare(b.data(), w, h, 8),
            w,
            h,
            3,
            2);
    assertEquals(7, p.get(0).ix());
    assertEquals(-4, p.get(0).iy());
    assertEquals(7, p.get(0).dx(), 0.2);
    assertEquals(-4, p.get(0).dy(), 0.2);
  }

  @Test
  void goodSizesAreSmooth() {
    assertEquals(128, PhaseCorrelation.goodSize(128));
    assertEquals(135, PhaseCorrelation.goodSize(129));
    assertEquals(18, PhaseCorrelation.goodSize(17));
  }

  @Test
  void quadraticPeakFindsTheVertex() {
    double[] f = new double[9];
    for (int j = -1; j <= 1; j++) {
      for (int i = -1; i <= 1; i++) {
        f[(j + 1) * 3 + i + 1] =
            1 - (i - 0.3) * (i - 0.3) - 2 * (j + 0.2) * (j + 0.2) + 0.1 * (i - 0.3) * (j + 0.2);
      }
    }
    double[] v = PairRegistration.quadraticPeak(f);
    assertEquals(0.3, v[0], 1e-9);
    assertEquals(-0.2, v[1], 1e-9);
  }
}
