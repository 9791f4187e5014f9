package org.connectome.stages.align;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.connectome.imaging.Image8;
import org.connectome.simulator.GroundTruth;
import org.connectome.simulator.SimulatedMicroscope;
import org.connectome.simulator.SimulationParams;
import org.connectome.stages.stitch.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No drift over a long stack whose sections were never moved: 200 sections of the simulator's
 * realistic isotropic tissue (8 nm voxels, structures running obliquely through the sections), each
 * its true section image in the aligned frame with detector noise, so every true transform is the
 * identity. Neighbour and second-neighbour pairs are registered at the small sections' scaled
 * parameters and solved as {@code align.solve} does: as they come, with the stack prior, and with
 * the slow trend removed ({@code stackTrend}).
 */
class StackDriftTest {
  @TempDir Path dir;

  @Test
  void twoHundredIdenticalTransformSectionsStayUnderAPixelWithTheTrendOut() throws Exception {
    SimulationParams p =
        SimulationParams.preset("realistic-iso").toBuilder()
            .sections(200)
            .mfovs(1)
            .tileSize(80, 70)
            .maxDrift(0)
            .maxRotationDeg(0)
            .synapses(0)
            .build();
    GroundTruth gt = GroundTruth.load(SimulatedMicroscope.generate(dir, p, 2).groundTruth());
    int n = p.sections();
    SplittableRandom noise = new SplittableRandom(5);
    List<FloatImage> sections = new ArrayList<>();
    for (int z = 0; z < n; z++) {
      Image8 im = gt.sectionImage(z);
      float[] f = new float[im.width() * im.height()];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) ((im.pixels()[i] & 0xff) + 9 * gaussian(noise));
      }
      sections.add(new FloatImage(im.width(), im.height(), f));
    }
    int w = sections.get(0).width();
    int h = sections.get(0).height();
    MontageRegistration.Params params = MontageRegistration.Params.DEFAULT.scaledTo(Math.min(w, h));
    List<RigidStackSolver.PairTransform> pairs = new ArrayList<>();
    for (int k = 0; k + 1 < n; k++) {
      for (int d = 1; d <= 2 && k + d < n; d++) {
        MontageRegistration.Result r =
            MontageRegistration.register(sections.get(k), sections.get(k + d), params);
        assertTrue(
            r.inliers() >= params.minMatches(),
            "sections " + k + " and " + (k + d) + ": " + r.inliers() + " matches");
        pairs.add(new RigidStackSolver.PairTransform(k, k + d, r.transform(), 1));
      }
    }
    String label = "simulated isotropic stack (patch " + params.patchSize() + ")";
    double[] free = drift(label, n, pairs, w, h, 0, 0);
    double[] prior = drift(label, n, pairs, w, h, AlignSolveRunner.ISOTROPIC_STACK_PRIOR, 0);
    double[] trend = drift(label, n, pairs, w, h, 0, AlignSolveRunner.ISOTROPIC_STACK_TREND);
    // the isotropic prior (kept weak so that real per-section offsets are not pulled) gets the
    // median under 2 px and bounds the far end
    assertTrue(prior[0] < 2.0, "median corner displacement " + prior[0] + " px");
    assertTrue(prior[2] < free[2] / 2, "largest " + prior[2] + " px, without the prior " + free[2]);
    // the goal, under 1 px over the stack: removing the slow trend (what the pairs' bias adds up
    // to)
    assertTrue(trend[0] < 1.0, "median corner displacement " + trend[0] + " px with the trend out");
    assertTrue(trend[1] < 1.5, "p95 " + trend[1] + " px with the trend out");
    assertTrue(trend[2] < free[2] / 10, "largest " + trend[2] + " px, without " + free[2]);
  }

  /**
   * Solves the stack as {@code align.solve} does (with {@code prior} and {@code trend}), prints and
   * returns the median, p95 and largest corner displacement of its sections from the identity.
   */
  static double[] drift(
      String label,
      int n,
      List<RigidStackSolver.PairTransform> pairs,
      int w,
      int h,
      double prior,
      double trend) {
    int[][] sizes = new int[n][];
    Arrays.fill(sizes, new int[] {w, h});
    RigidStackSolver.Solution sol =
        RigidStackSolver.solve(n, pairs, sizes, 5, 4, prior).detrended(trend);
    double[] out = displacement(sol.transforms(), w, h);
    System.out.printf(
        Locale.ROOT,
        "%s (%d sections of %d x %d px, %d pairs, %d dropped): stackPrior %.2f, stackTrend %.0f:"
            + " median %.2f px, p95 %.2f px, max %.2f px%n",
        label,
        n,
        w,
        h,
        pairs.size(),
        sol.outliers(),
        prior,
        trend,
        out[0],
        out[1],
        out[2]);
    return out;
  }

  private static double gaussian(SplittableRandom r) {
    double u = Math.max(1e-12, r.nextDouble());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  /**
   * Median, p95 and largest, over the sections, of the largest displacement of a w x h section's
   * corners by its transform: how far a stack whose true transforms are the identity was moved.
   */
  static double[] displacement(List<Rigid> transforms, int w, int h) {
    int n = transforms.size();
    double[] err = new double[n];
    for (int z = 0; z < n; z++) {
      for (double[] c : new double[][] {{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}}) {
        double[] q = transforms.get(z).apply(c[0], c[1]);
        err[z] = Math.max(err[z], Math.hypot(q[0] - c[0], q[1] - c[1]));
      }
    }
    Arrays.sort(err);
    return new double[] {err[n / 2], err[(int) (0.95 * (n - 1))], err[n - 1]};
  }
}
