package org.connectome.stages.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.connectome.stages.stitch.FloatImage;
import org.connectome.stages.stitch.Textures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rigid registration of montages with known rotations and translations. */
class MontageRegistrationTest {
  static FloatImage tissue;

  @BeforeAll
  static void texture() {
    tissue = Textures.tissue(720, 560, 21);
  }

  /** Largest distance between two transforms over the image's corners and centre. */
  static double distance(Rigid a, Rigid b, int w, int h) {
    double worst = 0;
    for (double[] c :
        new double[][] {{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}, {w / 2.0, h / 2.0}}) {
      double[] p = a.apply(c[0], c[1]);
      double[] q = b.apply(c[0], c[1]);
      worst = Math.max(worst, Math.hypot(p[0] - q[0], p[1] - q[1]));
    }
    return worst;
  }

  @ParameterizedTest
  @CsvSource({"0, 0, 0", "1.3, 7.5, -4.2", "-2.4, -15.25, 11.6", "0.45, 3.3, 0.7"})
  void recoversRotationAndTranslation(double deg, double sx, double sy) {
    double cx = 359.5;
    double cy = 279.5;
    // b shows a rotated by -deg: b's content maps into a by the rotation +deg about c, then the
    // shift
    FloatImage a = Textures.crop(tissue, 0, 0, 720, 560, 3, 1);
    FloatImage b =
        Textures.crop(Textures.rotated(tissue, -deg, cx, cy, -sx, -sy), 0, 0, 720, 560, 3, 2);
    MontageRegistration.Result r =
        MontageRegistration.register(a, b, MontageRegistration.Params.DEFAULT);
    Rigid truth = Rigid.aboutCentre(deg, cx + sx, cy + sy, 0, 0).compose(new Rigid(0, sx, sy));
    // b(p) = tissue(R(deg)(p - c + s) + c): b's point p shows tissue (= a) at R(deg)(p + s - c) + c
    truth = Rigid.aboutCentre(deg, cx, cy, 0, 0).compose(new Rigid(0, sx, sy));
    assertEquals(deg, r.transform().thetaDeg(), 0.05, "rotation");
    assertTrue(
        distance(truth, r.transform(), 720, 560) < 0.5,
        "transform "
            + r.transform()
            + " vs "
            + truth
            + ": "
            + distance(truth, r.transform(), 720, 560)
            + " px");
    assertTrue(r.inliers() >= 6, "inliers " + r.inliers());
  }

  @Test
  void rigidInverseAndComposition() {
    Rigid t = new Rigid(12.5, 30, -7);
    Rigid id = t.compose(t.inverse());
    assertEquals(0, id.thetaDeg(), 1e-9);
    assertEquals(0, id.dx(), 1e-9);
    assertEquals(0, id.dy(), 1e-9);
    double[] p = Rigid.aboutCentre(90, 10, 10, 0, 0).apply(20, 10);
    assertEquals(10, p[0], 1e-9);
    assertEquals(20, p[1], 1e-9);
  }

  @Test
  void procrustesFitsExactPoints() {
    Rigid t = new Rigid(-3.2, 14, 5.5);
    List<double[]> from = new ArrayList<>();
    List<double[]> to = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      double[] p = {37.0 * i, 11.0 * i * i % 97};
      from.add(p);
      to.add(t.apply(p[0], p[1]));
    }
    double[] w = new double[10];
    java.util.Arrays.fill(w, 1);
    Rigid f = Rigid.fit(from.toArray(new double[0][]), to.toArray(new double[0][]), w);
    assertNotNull(f);
    assertEquals(-3.2, f.thetaDeg(), 1e-9);
    assertEquals(14, f.dx(), 1e-9);
    assertEquals(5.5, f.dy(), 1e-9);
  }
}
