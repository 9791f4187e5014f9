package org.connectome.stages.stitch;

/**
 * Weighted least squares on a graph of relative measurements: minimizes {@code sum_e w_e (x[j_e] -
 * x[i_e] - m_e)^2 + lambda sum_i (x[i] - prior[i])^2}. The small prior term anchors the solution
 * (the mean of the solution equals the mean of the prior) and places nodes no measurement reaches.
 * Solved by conjugate gradients with a Jacobi preconditioner on the sparse normal equations, so it
 * scales to sections of tens of thousands of tiles and to stacks of thousands of sections.
 */
public final class GraphSolver {
  private GraphSolver() {}

  /**
   * @param n nodes
   * @param from edge start nodes
   * @param to edge end nodes
   * @param weight edge weights (0 = edge unused)
   * @param meas measured {@code x[to] - x[from]} per edge
   * @param prior prior value of each node
   * @param lambda prior weight (greater than 0)
   */
  public static double[] solve(
      int n, int[] from, int[] to, double[] weight, double[] meas, double[] prior, double lambda) {
    double[] l = new double[n];
    java.util.Arrays.fill(l, lambda);
    return solve(n, from, to, weight, meas, prior, l);
  }

  /**
   * As {@link #solve(int, int[], int[], double[], double[], double[], double)} with a prior weight
   * per node.
   */
  public static double[] solve(
      int n,
      int[] from,
      int[] to,
      double[] weight,
      double[] meas,
      double[] prior,
      double[] lambda) {
    double[] diag = new double[n];
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      diag[i] = lambda[i];
      b[i] = lambda[i] * prior[i];
    }
    for (int e = 0; e < from.length; e++) {
      double w = weight[e];
      if (w == 0) {
        continue;
      }
      diag[from[e]] += w;
      diag[to[e]] += w;
      b[to[e]] += w * meas[e];
      b[from[e]] -= w * meas[e];
    }
    double[] x = prior.clone();
    double[] r = new double[n];
    multiply(n, from, to, weight, diag, x, r);
    for (int i = 0; i < n; i++) {
      r[i] = b[i] - r[i];
    }
    double[] z = new double[n];
    for (int i = 0; i < n; i++) {
      z[i] = r[i] / diag[i];
    }
    double[] p = z.clone();
    double[] ap = new double[n];
    double rz = dot(r, z);
    double bnorm = Math.sqrt(dot(b, b)) + 1e-30;
    int maxIter = 10 * n + 100;
    for (int it = 0; it < maxIter && Math.sqrt(dot(r, r)) > 1e-12 * bnorm; it++) {
      multiply(n, from, to, weight, diag, p, ap);
      double alpha = rz / dot(p, ap);
      for (int i = 0; i < n; i++) {
        x[i] += alpha * p[i];
        r[i] -= alpha * ap[i];
      }
      for (int i = 0; i < n; i++) {
        z[i] = r[i] / diag[i];
      }
      double rzNew = dot(r, z);
      double beta = rzNew / rz;
      rz = rzNew;
      for (int i = 0; i < n; i++) {
        p[i] = z[i] + beta * p[i];
      }
    }
    return x;
  }

  /** out = (L + lambda I) v, with the diagonal precomputed. */
  private static void multiply(
      int n, int[] from, int[] to, double[] weight, double[] diag, double[] v, double[] out) {
    for (int i = 0; i < n; i++) {
      out[i] = diag[i] * v[i];
    }
    for (int e = 0; e < from.length; e++) {
      double w = weight[e];
      if (w != 0) {
        out[from[e]] -= w * v[to[e]];
        out[to[e]] -= w * v[from[e]];
      }
    }
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
