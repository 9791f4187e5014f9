package org.connectome.stages.stitch;

import java.util.ArrayList;
import java.util.List;

/**
 * Solves 2D positions from pairwise offset measurements by least squares (x and y separately, with
 * {@link GraphSolver}), anchored weakly at the nominal positions so the mean position stays nominal
 * and a tile no pair reaches stays where it nominally is. Iterative outlier rejection: after each
 * solve, an edge whose residual exceeds {@code max(outlierPx, median + k * sigma)} ({@code sigma}
 * from the residuals' MAD) and is the largest residual at both of its nodes is dropped, then the
 * rest is solved again, until no edge is dropped.
 */
public final class PositionSolver {
  /**
   * Prior weight relative to an edge of weight 1: small enough to bias offsets by well under 0.01
   * px.
   */
  public static final double PRIOR_WEIGHT = 1e-4;

  /**
   * A measured offset {@code p[to] - p[from] = (dx, dy)} with its information matrix {@code w =
   * {wxx, wxy, wyy}} (positive semi-definite; how much the measurement constrains each direction,
   * px^-2).
   */
  public record Edge(int from, int to, double dx, double dy, double[] w) {
    /** An edge constraining both directions equally. */
    public Edge(int from, int to, double dx, double dy, double weight) {
      this(from, to, dx, dy, new double[] {weight, 0, weight});
    }

    /** Largest eigenvalue of the information matrix. */
    double strongest() {
      double tr = w[0] + w[2];
      double det = w[0] * w[2] - w[1] * w[1];
      return tr / 2 + Math.sqrt(Math.max(0, tr * tr / 4 - det));
    }

    /**
     * The residual in px as the information sees it: full length across the best-constrained
     * direction, scaled down along weakly constrained ones ({@code sqrt(r^T W r / lambda_max)}).
     */
    double residual(double rx, double ry) {
      double l = strongest();
      if (l <= 0) {
        return 0;
      }
      return Math.sqrt(Math.max(0, (w[0] * rx * rx + 2 * w[1] * rx * ry + w[2] * ry * ry) / l));
    }
  }

  /**
   * @param params outlier threshold floor (px), multiple of the residuals' robust sigma, most
   *     rounds
   */
  public record Params(double outlierPx, double k, int maxRounds) {
    public static final Params DEFAULT = new Params(5.0, 4.0, 1000);
  }

  /**
   * @param x solved x per node
   * @param y solved y per node
   * @param used per edge: kept (false = rejected as an outlier)
   * @param residual per edge: distance between solved and measured offset, px, along the directions
   *     the measurement constrains (see {@link Edge#residual})
   * @param outliers edges rejected
   * @param component per node: its connected component over the kept edges (0 = the largest)
   * @param components number of connected components
   */
  public record Solution(
      double[] x,
      double[] y,
      boolean[] used,
      double[] residual,
      int outliers,
      int[] component,
      int components) {
    /** Residuals of the kept edges. */
    public double[] usedResiduals() {
      List<Double> out = new ArrayList<>();
      for (int e = 0; e < used.length; e++) {
        if (used[e]) {
          out.add(residual[e]);
        }
      }
      return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
  }

  private PositionSolver() {}

  public static Solution solve(int n, double[] nomX, double[] nomY, List<Edge> edges, Params p) {
    int m = edges.size();
    int[] from = new int[m];
    int[] to = new int[m];
    double[] mx = new double[m];
    double[] my = new double[m];
    for (int e = 0; e < m; e++) {
      Edge ed = edges.get(e);
      from[e] = ed.from();
      to[e] = ed.to();
      mx[e] = ed.dx();
      my[e] = ed.dy();
    }
    boolean[] used = new boolean[m];
    for (int e = 0; e < m; e++) {
      used[e] = edges.get(e).strongest() > 0;
    }
    double[] zero = {0, 0, 0};
    double[] x = nomX;
    double[] y = nomY;
    double[] res = new double[m];
    int outliers = 0;
    for (int round = 0; round < p.maxRounds(); round++) {
      double[][] wu = new double[m][];
      for (int e = 0; e < m; e++) {
        wu[e] = used[e] ? edges.get(e).w() : zero;
      }
      double[][] xy = GraphSolver2.solve(n, from, to, wu, mx, my, nomX, nomY, PRIOR_WEIGHT);
      x = xy[0];
      y = xy[1];
      List<Double> ur = new ArrayList<>();
      for (int e = 0; e < m; e++) {
        res[e] =
            edges.get(e).residual(x[to[e]] - x[from[e]] - mx[e], y[to[e]] - y[from[e]] - my[e]);
        if (used[e]) {
          ur.add(res[e]);
        }
      }
      double[] r = ur.stream().mapToDouble(Double::doubleValue).toArray();
      if (r.length == 0) {
        break;
      }
      double thr = Math.max(p.outlierPx(), Stats.median(r) + p.k() * Stats.madSigma(r));
      // the largest kept residual at each node
      double[] nodeMax = new double[n];
      for (int e = 0; e < m; e++) {
        if (used[e]) {
          nodeMax[from[e]] = Math.max(nodeMax[from[e]], res[e]);
          nodeMax[to[e]] = Math.max(nodeMax[to[e]], res[e]);
        }
      }
      int dropped = 0;
      for (int e = 0; e < m; e++) {
        if (used[e] && res[e] > thr && res[e] >= nodeMax[from[e]] && res[e] >= nodeMax[to[e]]) {
          used[e] = false;
          dropped++;
        }
      }
      if (dropped == 0) {
        break;
      }
      outliers += dropped;
    }
    // components over the kept edges, renumbered by size (0 = largest)
    int[] parent = new int[n];
    for (int i = 0; i < n; i++) {
      parent[i] = i;
    }
    for (int e = 0; e < m; e++) {
      if (used[e]) {
        int a = find(parent, from[e]);
        int b = find(parent, to[e]);
        if (a != b) {
          parent[a] = b;
        }
      }
    }
    int[] size = new int[n];
    for (int i = 0; i < n; i++) {
      size[find(parent, i)]++;
    }
    List<Integer> roots = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (size[i] > 0) {
        roots.add(i);
      }
    }
    roots.sort(
        (a, b) -> size[b] != size[a] ? Integer.compare(size[b], size[a]) : Integer.compare(a, b));
    int[] rank = new int[n];
    for (int k = 0; k < roots.size(); k++) {
      rank[roots.get(k)] = k;
    }
    int[] comp = new int[n];
    for (int i = 0; i < n; i++) {
      comp[i] = rank[find(parent, i)];
    }
    return new Solution(x, y, used, res, outliers, comp, roots.size());
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }
}
