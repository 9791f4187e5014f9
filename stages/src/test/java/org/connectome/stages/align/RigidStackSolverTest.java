package org.connectome.stages.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The global solve of section transforms from pairwise registrations. */
class RigidStackSolverTest {
  static final int N = 12;
  static final int[][] SIZES = sizes();

  static int[][] sizes() {
    int[][] s = new int[N][];
    for (int i = 0; i < N; i++) {
      s[i] = new int[] {1400, 900};
    }
    return s;
  }

  /** True transforms, section 0 the identity. */
  static List<Rigid> truth() {
    SplittableRandom r = new SplittableRandom(4);
    List<Rigid> t = new ArrayList<>();
    t.add(Rigid.IDENTITY);
    for (int z = 1; z < N; z++) {
      t.add(
          new Rigid(
              r.nextDouble() * 2 - 1, 30 * (r.nextDouble() - 0.5), 30 * (r.nextDouble() - 0.5)));
    }
    return t;
  }

  /** The measured pair transform: section b's montage into section a's, A_a^-1 A_b. */
  static RigidStackSolver.PairTransform pair(List<Rigid> t, int a, int b, Rigid error) {
    return new RigidStackSolver.PairTransform(
        a, b, error.compose(t.get(a).inverse().compose(t.get(b))), 1);
  }

  static void assertClose(List<Rigid> truth, List<Rigid> solved, double px) {
    for (int z = 0; z < N; z++) {
      for (double[] c : new double[][] {{0, 0}, {1399, 899}, {700, 450}}) {
        double[] p = truth.get(z).apply(c[0], c[1]);
        double[] q = solved.get(z).apply(c[0], c[1]);
        assertTrue(
            Math.hypot(p[0] - q[0], p[1] - q[1]) < px,
            "section " + z + ": " + solved.get(z) + " vs " + truth.get(z));
      }
    }
  }

  @Test
  void exactPairsGiveTheTransforms() {
    List<Rigid> t = truth();
    List<RigidStackSolver.PairTransform> pairs = new ArrayList<>();
    for (int k = 0; k + 1 < N; k++) {
      pairs.add(pair(t, k, k + 1, Rigid.IDENTITY));
      if (k + 2 < N) {
        pairs.add(pair(t, k, k + 2, Rigid.IDENTITY));
      }
    }
    RigidStackSolver.Solution s = RigidStackSolver.solve(N, pairs, SIZES, 5, 4);
    assertClose(t, s.transforms(), 0.01);
    assertEquals(0, s.outliers());
  }

  @Test
  void aBadPairIsOutvotedBySecondNeighbours() {
    List<Rigid> t = truth();
    List<RigidStackSolver.PairTransform> pairs = new ArrayList<>();
    for (int k = 0; k + 1 < N; k++) {
      pairs.add(pair(t, k, k + 1, k == 5 ? new Rigid(0.8, 12, -9) : Rigid.IDENTITY));
      if (k + 2 < N) {
        pairs.add(pair(t, k, k + 2, Rigid.IDENTITY));
      }
    }
    RigidStackSolver.Solution s = RigidStackSolver.solve(N, pairs, SIZES, 5, 4);
    assertFalse(s.used()[10], "pair 5-6 is wrong and must be dropped");
    assertClose(t, s.transforms(), 0.05);
  }

  @Test
  void unlinkedSectionsAreNamed() {
    List<Rigid> t = truth();
    List<RigidStackSolver.PairTransform> pairs = new ArrayList<>();
    for (int k = 0; k + 1 < N; k++) {
      if (k != 6) {
        pairs.add(pair(t, k, k + 1, Rigid.IDENTITY));
      }
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> RigidStackSolver.solve(N, pairs, SIZES, 5, 4));
    assertTrue(e.getMessage().contains("sections 7-11"), e.getMessage());
  }

  @Test
  void detrendingRemovesASlowDriftAndKeepsOneSectionsOwnOffset() {
    int n = 120;
    List<Rigid> t = new ArrayList<>();
    for (int z = 0; z < n; z++) {
      // a drift that bends along the stack, and section 60 moved 3 px against its neighbours
      t.add(new Rigid(0.01 * z, 0.1 * z + 0.0005 * z * z + (z == 60 ? 3 : 0), -0.05 * z));
    }
    List<Rigid> d = RigidStackSolver.detrend(t, 5);
    assertEquals(0, d.get(0).dx(), 1e-12, "section 0 stays");
    for (int z = 0; z < n; z++) {
      double dx = d.get(z).dx() - (z == 60 ? 3 : 0);
      assertEquals(0, dx, 0.35, "section " + z + ": " + d.get(z));
      assertEquals(0, d.get(z).dy(), 0.05, "section " + z + ": " + d.get(z));
      assertEquals(0, d.get(z).thetaDeg(), 0.01, "section " + z + ": " + d.get(z));
    }
    assertTrue(d.get(60).dx() > 2.6, "the offset stays: " + d.get(60));
    assertEquals(t, RigidStackSolver.detrend(t, 0), "off");
  }
}
