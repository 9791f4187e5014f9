package org.connectome.stages.stitch;

/**
 * Weighted least squares for 2D positions from relative measurements with a 2 x 2 weight
 * (information) matrix per measurement: minimizes {@code sum_e r_e^T W_e r_e + lambda sum_i |p_i -
 * prior_i|^2} with {@code r_e = p[to] - p[from] - m_e}. A measurement constrained in one direction
 * only (a match along a single straight membrane) then pulls only across it. Conjugate gradients
 * with a block-Jacobi preconditioner.
 */
public final class GraphSolver2 {
  private GraphSolver2() {}

  /**
   * @param w per edge {wxx, wxy, wyy} (all 0 = unused)
   * @return {x[], y[]}
   */
  public static double[][] solve(
      int n,
      int[] from,
      int[] to,
      double[][] w,
      double[] mx,
      double[] my,
      double[] priorX,
      double[] priorY,
      double lambda) {
    int m = from.length;
    // block diagonal
    double[] dxx = new double[n];
    double[] dxy = new double[n];
    double[] dyy = new double[n];
    double[] b = new double[2 * n];
    for (int i = 0; i < n; i++) {
      dxx[i] = lambda;
      dyy[i] = lambda;
      b[2 * i] = lambda * priorX[i];
      b[2 * i + 1] = lambda * priorY[i];
    }
    for (int e = 0; e < m; e++) {
      double[] we = w[e];
      int i = from[e];
      int j = to[e];
      dxx[i] += we[0];
      dxy[i] += we[1];
      dyy[i] += we[2];
      dxx[j] += we[0];
      dxy[j] += we[1];
      dyy[j] += we[2];
      double fx = we[0] * mx[e] + we[1] * my[e];
      double fy = we[1] * mx[e] + we[2] * my[e];
      b[2 * j] += fx;
      b[2 * j + 1] += fy;
      b[2 * i] -= fx;
      b[2 * i + 1] -= fy;
    }
    double[] x = new double[2 * n];
    for (int i = 0; i < n; i++) {
      x[2 * i] = priorX[i];
      x[2 * i + 1] = priorY[i];
    }
    double[] r = new double[2 * n];
    multiply(n, from, to, w, dxx, dxy, dyy, x, r);
    for (int i = 0; i < 2 * n; i++) {
      r[i] = b[i] - r[i];
    }
    double[] z = new double[2 * n];
    precondition(n, dxx, dxy, dyy, r, z);
    double[] p = z.clone();
    double[] ap = new double[2 * n];
    double rz = dot(r, z);
    double bnorm = Math.sqrt(dot(b, b)) + 1e-30;
    int maxIter = 20 * n + 100;
    for (int it = 0; it < maxIter && Math.sqrt(dot(r, r)) > 1e-13 * bnorm; it++) {
      multiply(n, from, to, w, dxx, dxy, dyy, p, ap);
      double pap = dot(p, ap);
      if (pap <= 0) {
        break;
      }
      double alpha = rz / pap;
      for (int i = 0; i < 2 * n; i++) {
        x[i] += alpha * p[i];
        r[i] -= alpha * ap[i];
      }
      precondition(n, dxx, dxy, dyy, r, z);
      double rzNew = dot(r, z);
      double beta = rzNew / rz;
      rz = rzNew;
      for (int i = 0; i < 2 * n; i++) {
        p[i] = z[i] + beta * p[i];
      }
    }
    double[] ox = new double[n];
    double[] oy = new double[n];
    for (int i = 0; i < n; i++) {
      ox[i] = x[2 * i];
      oy[i] = x[2 * i + 1];
    }
    return new double[][] {ox, oy};
  }

  private static void precondition(
      int n, double[] dxx, double[] dxy, double[] dyy, double[] r, double[] z) {
    for (int i = 0; i < n; i++) {
      double det = dxx[i] * dyy[i] - dxy[i] * dxy[i];
      z[2 * i] = (dyy[i] * r[2 * i] - dxy[i] * r[2 * i + 1]) / det;
      z[2 * i + 1] = (-dxy[i] * r[2 * i] + dxx[i] * r[2 * i + 1]) / det;
    }
  }

  private static void multiply(
      int n,
      int[] from,
      int[] to,
      double[][] w,
      double[] dxx,
      double[] dxy,
      double[] dyy,
      double[] v,
      double[] out) {
    for (int i = 0; i < n; i++) {
      out[2 * i] = dxx[i] * v[2 * i] + dxy[i] * v[2 * i + 1];
      out[2 * i + 1] = dxy[i] * v[2 * i] + dyy[i] * v[2 * i + 1];
    }
    for (int e = 0; e < from.length; e++) {
      double[] we = w[e];
      int i = from[e];
      int j = to[e];
      double vjx = v[2 * j];
      double vjy = v[2 * j + 1];
      double vix = v[2 * i];
      double viy = v[2 * i + 1];
      out[2 * i] -= we[0] * vjx + we[1] * vjy;
      out[2 * i + 1] -= we[1] * vjx + we[2] * vjy;
      out[2 * j] -= we[0] * vix + we[1] * viy;
      out[2 * j + 1] -= we[1] * vix + we[2] * viy;
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
