package org.connectome.stages.align;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.connectome.stages.stitch.GraphSolver;
import org.connectome.stages.stitch.Stats;

/**
 * Solves every section's rigid transform into the aligned frame from the pairwise registrations,
 * all at once by least squares: angles first ({@code theta_j - theta_i = phi_ij}), then
 * translations given the angles ({@code t_j - t_i = R(theta_i) d_ij}), section 0 fixed. With
 * neighbour and second-neighbour pairs, a pair's error is averaged with its neighbours' instead of
 * being carried to every later section. Robust: the pair whose residual is largest, above {@code
 * max(outlierPx, median + k sigma)}, is dropped and the rest solved again, as long as every section
 * stays connected.
 *
 * <p>A weak prior ({@code stackPrior}, relative to a pair of weight 1) pulls every section towards
 * its stitched montage's own frame. Pairwise registration carries a small bias of the same sign
 * from pair to pair wherever structures run obliquely through the sections (isotropic FIB-SEM above
 * all): summed over hundreds of sections it becomes a drift of tens of pixels although the sections
 * were never moved. The prior bounds that drift to about {@code bias * sqrt(5 / stackPrior)} at the
 * ends of the stack while it hardly moves sections whose pairs agree on a real offset (an offset of
 * one section against its neighbours costs the pairs far more than the prior). {@link #detrend}
 * goes further on such stacks: it removes the slow trend of the solved transforms altogether.
 */
public final class RigidStackSolver {
  /**
   * A registered pair: {@code transform} takes section {@code moving}'s montage coordinates into
   * section {@code fixed}'s.
   */
  public record PairTransform(int fixed, int moving, Rigid transform, double weight) {}

  /**
   * @param transforms per section, montage frame into the aligned frame (before the frame shift)
   * @param used per pair: kept
   * @param residualPx per pair: largest disagreement at the moving montage's corners between the
   *     pair's transform and the solved ones, px
   * @param outliers pairs dropped
   */
  public record Solution(
      List<Rigid> transforms, boolean[] used, double[] residualPx, int outliers) {
    /** The same solution with the slow trend of its transforms removed ({@link #detrend}). */
    public Solution detrended(double sigma) {
      return new Solution(detrend(transforms, sigma), used, residualPx, outliers);
    }
  }

  private RigidStackSolver() {}

  /**
   * @param n sections
   * @param pairs registered pairs
   * @param sizes per section its montage {width, height}
   * @throws IllegalArgumentException when the pairs leave sections unconnected, naming them
   */
  public static Solution solve(
      int n, List<PairTransform> pairs, int[][] sizes, double outlierPx, double k) {
    return solve(n, pairs, sizes, outlierPx, k, 0);
  }

  /** As {@link #solve(int, List, int[][], double, double)} with a prior of weight {@code prior}. */
  public static Solution solve(
      int n, List<PairTransform> pairs, int[][] sizes, double outlierPx, double k, double prior) {
    int m = pairs.size();
    boolean[] used = new boolean[m];
    Arrays.fill(used, true);
    List<Integer> unconnected = unconnected(n, pairs, used);
    if (!unconnected.isEmpty()) {
      throw new IllegalArgumentException(
          "sections "
              + ranges(unconnected)
              + " are not linked to section 0 by any"
              + " registered pair");
    }
    double[] res = new double[m];
    List<Rigid> t = null;
    int outliers = 0;
    for (int round = 0; round <= m; round++) {
      t = solveOnce(n, pairs, used, prior);
      List<Double> kept = new ArrayList<>();
      for (int e = 0; e < m; e++) {
        res[e] = residual(pairs.get(e), t, sizes);
        if (used[e]) {
          kept.add(res[e]);
        }
      }
      double[] kr = kept.stream().mapToDouble(Double::doubleValue).toArray();
      double thr = Math.max(outlierPx, Stats.median(kr) + k * Stats.madSigma(kr));
      int worst = -1;
      for (int e = 0; e < m; e++) {
        if (used[e] && res[e] > thr && (worst < 0 || res[e] > res[worst])) {
          used[e] = false;
          boolean ok = unconnected(n, pairs, used).isEmpty();
          used[e] = true;
          if (ok) {
            worst = e;
          }
        }
      }
      if (worst < 0) {
        break;
      }
      used[worst] = false;
      outliers++;
    }
    return new Solution(t, used, res, outliers);
  }

  static List<Rigid> solveOnce(int n, List<PairTransform> pairs, boolean[] used, double prior) {
    int m = pairs.size();
    int[] from = new int[m];
    int[] to = new int[m];
    double[] w = new double[m];
    double[] meas = new double[m];
    for (int e = 0; e < m; e++) {
      PairTransform p = pairs.get(e);
      from[e] = p.fixed();
      to[e] = p.moving();
      w[e] = used[e] ? p.weight() : 0;
      meas[e] = p.transform().thetaDeg();
    }
    double[] lambda = new double[n];
    Arrays.fill(lambda, Math.max(1e-9, prior));
    lambda[0] = 1e9;
    double[] theta = GraphSolver.solve(n, from, to, w, meas, new double[n], lambda);
    double[] mx = new double[m];
    double[] my = new double[m];
    for (int e = 0; e < m; e++) {
      PairTransform p = pairs.get(e);
      double[] d = new Rigid(theta[p.fixed()], 0, 0).apply(p.transform().dx(), p.transform().dy());
      mx[e] = d[0];
      my[e] = d[1];
    }
    double[] tx = GraphSolver.solve(n, from, to, w, mx, new double[n], lambda);
    double[] ty = GraphSolver.solve(n, from, to, w, my, new double[n], lambda);
    List<Rigid> out = new ArrayList<>();
    for (int z = 0; z < n; z++) {
      out.add(new Rigid(theta[z] - theta[0], tx[z] - tx[0], ty[z] - ty[0]));
    }
    return out;
  }

  /**
   * Removes the slow trend of a solved stack: each of a section's angle and translation, as a
   * function of the section, less its local linear fit (Gaussian weights of {@code sigma}
   * sections), the fit at section 0 kept so that section 0 stays where it is. A content drift (the
   * pairs' small bias of one sign, summed along the stack) varies slowly and goes; an offset of one
   * section against its neighbours, which the local fit hardly sees, stays.
   *
   * @param sigma sections; 0 or less: the transforms unchanged
   */
  public static List<Rigid> detrend(List<Rigid> t, double sigma) {
    int n = t.size();
    if (sigma <= 0 || n < 3) {
      return t;
    }
    double[][] v = new double[3][n];
    for (int z = 0; z < n; z++) {
      v[0][z] = t.get(z).thetaDeg();
      v[1][z] = t.get(z).dx();
      v[2][z] = t.get(z).dy();
    }
    double[][] trend = new double[3][n];
    int reach = (int) Math.ceil(3 * sigma);
    for (int z = 0; z < n; z++) {
      // weighted least-squares line through the sections around z, evaluated at z
      double sw = 0;
      double sx = 0;
      double sxx = 0;
      double[] sy = new double[3];
      double[] sxy = new double[3];
      for (int j = Math.max(0, z - reach); j <= Math.min(n - 1, z + reach); j++) {
        double d = j - z;
        double w = Math.exp(-d * d / (2 * sigma * sigma));
        sw += w;
        sx += w * d;
        sxx += w * d * d;
        for (int c = 0; c < 3; c++) {
          sy[c] += w * v[c][j];
          sxy[c] += w * d * v[c][j];
        }
      }
      double det = sw * sxx - sx * sx;
      for (int c = 0; c < 3; c++) {
        // the line's value at d = 0 (its intercept); a flat mean when the line is undetermined
        trend[c][z] = det > 1e-12 ? (sxx * sy[c] - sx * sxy[c]) / det : sy[c] / sw;
      }
    }
    List<Rigid> out = new ArrayList<>(n);
    for (int z = 0; z < n; z++) {
      out.add(
          new Rigid(
              v[0][z] - (trend[0][z] - trend[0][0]),
              v[1][z] - (trend[1][z] - trend[1][0]),
              v[2][z] - (trend[2][z] - trend[2][0])));
    }
    return out;
  }

  /** Largest distance, over the moving montage's corners, between A_fixed(T(p)) and A_moving(p). */
  static double residual(PairTransform p, List<Rigid> t, int[][] sizes) {
    int[] s = sizes[p.moving()];
    double worst = 0;
    for (double[] c : new double[][] {{0, 0}, {s[0] - 1, 0}, {0, s[1] - 1}, {s[0] - 1, s[1] - 1}}) {
      double[] q = p.transform().apply(c[0], c[1]);
      double[] a = t.get(p.fixed()).apply(q[0], q[1]);
      double[] b = t.get(p.moving()).apply(c[0], c[1]);
      worst = Math.max(worst, Math.hypot(a[0] - b[0], a[1] - b[1]));
    }
    return worst;
  }

  static List<Integer> unconnected(int n, List<PairTransform> pairs, boolean[] used) {
    int[] parent = new int[n];
    for (int i = 0; i < n; i++) {
      parent[i] = i;
    }
    for (int e = 0; e < pairs.size(); e++) {
      if (used[e]) {
        int a = find(parent, pairs.get(e).fixed());
        int b = find(parent, pairs.get(e).moving());
        parent[a] = b;
      }
    }
    List<Integer> out = new ArrayList<>();
    int root = find(parent, 0);
    for (int i = 0; i < n; i++) {
      if (find(parent, i) != root) {
        out.add(i);
      }
    }
    return out;
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  static String ranges(List<Integer> xs) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < xs.size(); i++) {
      int j = i;
      while (j + 1 < xs.size() && xs.get(j + 1) == xs.get(j) + 1) {
        j++;
      }
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(xs.get(i));
      if (j > i) {
        b.append('-').append(xs.get(j));
      }
      i = j;
    }
    return b.toString();
  }
}
