package org.connectome.stages.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The least-squares position solver on synthetic graphs with known positions. */
class PositionSolverTest {
  /** A 6 x 5 grid of tiles with true positions off the nominal ones by a few px. */
  static final int NX = 6;

  static final int NY = 5;

  static double[][] truth(SplittableRandom r) {
    double[] x = new double[NX * NY];
    double[] y = new double[NX * NY];
    for (int j = 0; j < NY; j++) {
      for (int i = 0; i < NX; i++) {
        x[j * NX + i] = i * 235.5 + 8 * (r.nextDouble() - 0.5);
        y[j * NX + i] = j * 206.0 + 8 * (r.nextDouble() - 0.5);
      }
    }
    return new double[][] {x, y};
  }

  static List<PositionSolver.Edge> edges(double[][] t, SplittableRandom r, double noise) {
    List<PositionSolver.Edge> out = new ArrayList<>();
    for (int j = 0; j < NY; j++) {
      for (int i = 0; i < NX; i++) {
        int a = j * NX + i;
        for (int[] d : new int[][] {{1, 0}, {0, 1}, {1, 1}}) {
          if (i + d[0] < NX && j + d[1] < NY) {
            int b = (j + d[1]) * NX + i + d[0];
            out.add(
                new PositionSolver.Edge(
                    a,
                    b,
                    t[0][b] - t[0][a] + noise * Textures.gaussian(r),
                    t[1][b] - t[1][a] + noise * Textures.gaussian(r),
                    1.0));
          }
        }
      }
    }
    return out;
  }

  static double[][] nominal() {
    double[] x = new double[NX * NY];
    double[] y = new double[NX * NY];
    for (int j = 0; j < NY; j++) {
      for (int i = 0; i < NX; i++) {
        x[j * NX + i] = i * 235.5;
        y[j * NX + i] = j * 206.0;
      }
    }
    return new double[][] {x, y};
  }

  /**
   * Largest error after removing the mean offset (the solution's frame is only fixed up to a
   * translation).
   */
  static double maxError(double[][] t, PositionSolver.Solution s) {
    double mx = 0;
    double my = 0;
    for (int i = 0; i < t[0].length; i++) {
      mx += s.x()[i] - t[0][i];
      my += s.y()[i] - t[1][i];
    }
    mx /= t[0].length;
    my /= t[0].length;
    double worst = 0;
    for (int i = 0; i < t[0].length; i++) {
      worst = Math.max(worst, Math.hypot(s.x()[i] - t[0][i] - mx, s.y()[i] - t[1][i] - my));
    }
    return worst;
  }

  @Test
  void recoversPositionsAndRejectsTheOutlier() {
    SplittableRandom r = new SplittableRandom(11);
    double[][] t = truth(r);
    List<PositionSolver.Edge> edges = edges(t, r, 0.02);
    int bad = 17;
    PositionSolver.Edge e = edges.get(bad);
    edges.set(bad, new PositionSolver.Edge(e.from(), e.to(), e.dx() + 9, e.dy() - 6, 1.0));
    double[][] nom = nominal();
    PositionSolver.Solution s =
        PositionSolver.solve(NX * NY, nom[0], nom[1], edges, PositionSolver.Params.DEFAULT);
    assertFalse(s.used()[bad], "the corrupted pair must be rejected");
    assertEquals(1, s.outliers());
    assertTrue(maxError(t, s) < 0.1, "max error " + maxError(t, s));
    assertEquals(1, s.components());
  }

  @Test
  void severalOutliersAtOnce() {
    SplittableRandom r = new SplittableRandom(5);
    double[][] t = truth(r);
    List<PositionSolver.Edge> edges = edges(t, r, 0.02);
    for (int bad : new int[] {3, 30, 52}) {
      PositionSolver.Edge e = edges.get(bad);
      edges.set(bad, new PositionSolver.Edge(e.from(), e.to(), e.dx() - 14, e.dy() + 11, 1.0));
    }
    double[][] nom = nominal();
    PositionSolver.Solution s =
        PositionSolver.solve(NX * NY, nom[0], nom[1], edges, PositionSolver.Params.DEFAULT);
    assertEquals(3, s.outliers());
    assertTrue(maxError(t, s) < 0.1, "max error " + maxError(t, s));
  }

  @Test
  void anisotropicEdgesPullOnlyAcrossTheirWeakDirection() {
    // three nodes in a row; the middle edge is known in x only and its y is wrong by 5 px
    double[] nx = {0, 100, 200};
    double[] ny = {0, 0, 0};
    List<PositionSolver.Edge> edges =
        List.of(
            new PositionSolver.Edge(0, 1, 101, 2, new double[] {1, 0, 1}),
            new PositionSolver.Edge(1, 2, 99, 3, new double[] {1, 0, 1}),
            new PositionSolver.Edge(0, 2, 200, 10, new double[] {1, 0, 1e-6}));
    PositionSolver.Solution s =
        PositionSolver.solve(3, nx, ny, edges, PositionSolver.Params.DEFAULT);
    assertEquals(5, s.y()[2] - s.y()[0], 0.01);
    assertEquals(200, s.x()[2] - s.x()[0], 0.01);
  }

  @Test
  void anUnreachedTileStaysNominalAndIsItsOwnComponent() {
    double[] nx = {0, 100, 200};
    double[] ny = {0, 0, 0};
    List<PositionSolver.Edge> edges = List.of(new PositionSolver.Edge(0, 1, 103, 1, 1.0));
    PositionSolver.Solution s =
        PositionSolver.solve(3, nx, ny, edges, PositionSolver.Params.DEFAULT);
    assertEquals(2, s.components());
    assertEquals(1, s.component()[2]);
    assertEquals(200, s.x()[2], 1e-6);
    assertEquals(103, s.x()[1] - s.x()[0], 1e-3);
  }
}
