package org.connectome.stages.stitch;

import java.util.List;

/**
 * Registers two overlapping images (tiles) whose relative position is known roughly: phase
 * correlation over the nominal overlap widened by the search radius gives candidate shifts,
 * normalized cross-correlation (NCC) over the true overlap of the two images picks and verifies the
 * best one (integer hill climb), and a quadratic fit of the NCC surface around it gives the
 * sub-pixel offset. Pairs whose overlap is too small, too flat (blank, low texture) or too weakly
 * correlated are rejected.
 */
public final class PairRegistration {
  /**
   * @param searchRadiusPx largest difference between the true and the nominal offset, px
   * @param minNcc least NCC of an accepted pair
   * @param minOverlapPx least overlap area at the found offset, px
   * @param minStd least standard deviation of grey values of either image in the overlap (texture)
   * @param candidates phase correlation peaks checked by NCC
   * @param taperPx raised-cosine taper at the patch borders, px
   */
  public record Params(
      double searchRadiusPx,
      double minNcc,
      double minOverlapPx,
      double minStd,
      int candidates,
      double taperPx) {
    public static final Params DEFAULT = new Params(24, 0.6, 400, 3, 8, 6);
  }

  /**
   * The offset of image {@code b}'s top-left relative to image {@code a}'s: b's pixel (i, j) lies
   * at a's (i + dx, j + dy).
   *
   * @param accepted whether the pair passed the checks
   * @param dx offset in x, px
   * @param dy offset in y, px
   * @param ncc NCC at the integer offset nearest the result
   * @param overlapPx overlap area at that offset, px
   * @param reason why the pair was rejected, or null
   * @param information the offset's information matrix {ixx, ixy, iyy} (px^-2, positive
   *     semi-definite; see {@link #information})
   */
  public record Result(
      boolean accepted,
      double dx,
      double dy,
      double ncc,
      double overlapPx,
      String reason,
      double[] information) {
    static Result rejected(double dx, double dy, double ncc, double overlap, String reason) {
      return new Result(false, dx, dy, ncc, overlap, reason, new double[3]);
    }
  }

  /** NCC statistics of an overlap. */
  record Ncc(double ncc, long n, double stdA, double stdB, double meanA, double meanB) {}

  private PairRegistration() {}

  /**
   * Registers {@code b} to {@code a}, {@code b}'s top-left nominally at {@code (nomDx, nomDy)} in
   * {@code a}'s pixels.
   */
  public static Result register(FloatImage a, FloatImage b, double nomDx, double nomDy, Params p) {
    int r = (int) Math.ceil(p.searchRadiusPx());
    int ndx = (int) Math.round(nomDx);
    int ndy = (int) Math.round(nomDy);
    // the nominal overlap in a's pixels: both images are cut to it (b placed at the rounded nominal
    // offset)
    int cx0 = Math.max(0, ndx);
    int cx1 = Math.min(a.width(), ndx + b.width());
    int cy0 = Math.max(0, ndy);
    int cy1 = Math.min(a.height(), ndy + b.height());
    int cw = cx1 - cx0;
    int ch = cy1 - cy0;
    if (cw < 4 || ch < 4) {
      return Result.rejected(
          nomDx,
          nomDy,
          0,
          0,
          "nominal overlap " + Math.max(cw, 0) + " x " + Math.max(ch, 0) + " px is too small");
    }
    float[] pa = new float[cw * ch];
    float[] pb = new float[cw * ch];
    for (int v = 0; v < ch; v++) {
      for (int u = 0; u < cw; u++) {
        pa[v * cw + u] = a.get(cx0 + u, cy0 + v);
        pb[v * cw + u] = b.get(cx0 + u - ndx, cy0 + v - ndy);
      }
    }
    double taper = Math.min(p.taperPx(), Math.min(cw, ch) / 4.0);
    float[] qa = PhaseCorrelation.prepare(pa, cw, ch, taper);
    float[] qb = PhaseCorrelation.prepare(pb, cw, ch, taper);
    // the cut of b at q shows what a shows at q + s (s = true offset - nominal), a peak at d = -s;
    // the transform
    // is periodic, so each peak stands for d + k * size as well: every such shift within the radius
    // is a candidate
    int fw = PhaseCorrelation.goodSize(cw);
    int fh = PhaseCorrelation.goodSize(ch);
    List<PhaseCorrelation.Peak> peaks = PhaseCorrelation.peaks(qa, qb, cw, ch, p.candidates(), 2);
    int bestX = ndx;
    int bestY = ndy;
    Ncc best = null;
    for (PhaseCorrelation.Peak pk : peaks) {
      for (int kx = -2; kx <= 2; kx++) {
        for (int ky = -2; ky <= 2; ky++) {
          int sx = -(pk.ix() + kx * fw);
          int sy = -(pk.iy() + ky * fh);
          if (Math.abs(sx) > r || Math.abs(sy) > r) {
            continue;
          }
          Ncc n = ncc(a, b, ndx + sx, ndy + sy);
          if (n.n() >= p.minOverlapPx() && (best == null || n.ncc() > best.ncc())) {
            best = n;
            bestX = ndx + sx;
            bestY = ndy + sy;
          }
        }
      }
    }
    if (best == null) {
      return Result.rejected(
          nomDx,
          nomDy,
          0,
          0,
          "no correlation peak with an overlap of "
              + (int) p.minOverlapPx()
              + " px within "
              + r
              + " px");
    }
    // integer hill climb on NCC: phase correlation peaks can be off by a pixel
    for (int step = 0; step < 2 * r; step++) {
      int nx = bestX;
      int ny = bestY;
      Ncc nb = best;
      for (int j = -1; j <= 1; j++) {
        for (int i = -1; i <= 1; i++) {
          if (i == 0 && j == 0) {
            continue;
          }
          Ncc n = ncc(a, b, bestX + i, bestY + j);
          if (n.n() >= p.minOverlapPx() && n.ncc() > nb.ncc()) {
            nb = n;
            nx = bestX + i;
            ny = bestY + j;
          }
        }
      }
      if (nx == bestX && ny == bestY) {
        break;
      }
      bestX = nx;
      bestY = ny;
      best = nb;
    }
    if (Math.abs(bestX - nomDx) > r + 1 || Math.abs(bestY - nomDy) > r + 1) {
      return Result.rejected(
          bestX, bestY, best.ncc(), best.n(), "best match outside the search radius");
    }
    if (best.stdA() < p.minStd() || best.stdB() < p.minStd()) {
      return Result.rejected(
          bestX,
          bestY,
          best.ncc(),
          best.n(),
          String.format(
              "low texture (grey-level standard deviation %.1f and %.1f < %.1f)",
              best.stdA(), best.stdB(), p.minStd()));
    }
    if (best.ncc() < p.minNcc()) {
      return Result.rejected(
          bestX,
          bestY,
          best.ncc(),
          best.n(),
          String.format("weak correlation (NCC %.3f < %.3f)", best.ncc(), p.minNcc()));
    }
    double[] sub = subPixel(a, b, bestX, bestY);
    double[] info = psd(information(a, b, bestX, bestY));
    if (info[0] + info[2] <= 0) {
      return Result.rejected(
          bestX, bestY, best.ncc(), best.n(), "no structure to register (zero information)");
    }
    return new Result(true, bestX + sub[0], bestY + sub[1], best.ncc(), best.n(), null, info);
  }

  /**
   * Sub-pixel offset around an integer NCC maximum: a 2D quadratic fitted to the 3 x 3 NCC values.
   */
  static double[] subPixel(FloatImage a, FloatImage b, int x, int y) {
    double[] f = new double[9];
    for (int j = -1; j <= 1; j++) {
      for (int i = -1; i <= 1; i++) {
        f[(j + 1) * 3 + i + 1] = ncc(a, b, x + i, y + j).ncc();
      }
    }
    return quadraticPeak(f);
  }

  /**
   * Vertex of the quadratic {@code c0 + c1 x + c2 y + c3 x^2 + c4 xy + c5 y^2} fitted to a 3 x 3
   * neighbourhood {@code f[(y + 1) * 3 + x + 1]}, clamped to [-1, 1]; separable parabolas when the
   * fit has no maximum.
   */
  public static double[] quadraticPeak(double[] f) {
    // least-squares coefficients on the 3 x 3 grid (closed form)
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double syy = 0;
    double sxy = 0;
    double s0 = 0;
    for (int j = -1; j <= 1; j++) {
      for (int i = -1; i <= 1; i++) {
        double v = f[(j + 1) * 3 + i + 1];
        s0 += v;
        sx += i * v;
        sy += j * v;
        sxx += i * i * v;
        syy += j * j * v;
        sxy += i * j * v;
      }
    }
    double c1 = sx / 6;
    double c2 = sy / 6;
    double c4 = sxy / 4;
    double c3 =
        (sxx - 2.0 / 3 * s0)
            / 2; // sum x^2 v = 6 c0 + 6 c3 + 4 c5 ... solved for the symmetric grid
    double c5 = (syy - 2.0 / 3 * s0) / 2;
    double det = 4 * c3 * c5 - c4 * c4;
    if (c3 < 0 && c5 < 0 && det > 0) {
      double x = (-2 * c5 * c1 + c4 * c2) / det;
      double y = (-2 * c3 * c2 + c4 * c1) / det;
      if (Math.abs(x) <= 1 && Math.abs(y) <= 1) {
        return new double[] {x, y};
      }
    }
    return new double[] {
      PhaseCorrelation.parabola(f[3], f[4], f[5]), PhaseCorrelation.parabola(f[1], f[4], f[7])
    };
  }

  /**
   * Fisher information of the offset measured at integer offset (dx, dy): the structure tensor of
   * the overlap (gradients of both images, lightly smoothed) over twice the noise variance, where
   * the noise is what is left of {@code a} after the best linear fit of {@code b}. A matching along
   * a single straight membrane is constrained across it only: the tensor is nearly singular along
   * the membrane (the aperture problem).
   *
   * @return {ixx, ixy, iyy}
   */
  public static double[] information(FloatImage a, FloatImage b, int dx, int dy) {
    int x0 = Math.max(0, dx);
    int x1 = Math.min(a.width(), dx + b.width());
    int y0 = Math.max(0, dy);
    int y1 = Math.min(a.height(), dy + b.height());
    if (x1 - x0 < 3 || y1 - y0 < 3) {
      return new double[] {0, 0, 0};
    }
    Ncc n = ncc(a, b, dx, dy);
    double sxx = 0;
    double sxy = 0;
    double syy = 0;
    double res = 0;
    double alpha = n.stdB() > 0 ? n.ncc() * n.stdA() / n.stdB() : 0;
    long count = 0;
    for (int y = y0 + 1; y < y1 - 1; y++) {
      for (int x = x0 + 1; x < x1 - 1; x++) {
        int bx = x - dx;
        int by = y - dy;
        double gax = 0.5 * (a.get(x + 1, y) - a.get(x - 1, y));
        double gay = 0.5 * (a.get(x, y + 1) - a.get(x, y - 1));
        double gbx = 0.5 * (b.get(bx + 1, by) - b.get(bx - 1, by)) * alpha;
        double gby = 0.5 * (b.get(bx, by + 1) - b.get(bx, by - 1)) * alpha;
        double gx = 0.5 * (gax + gbx);
        double gy = 0.5 * (gay + gby);
        sxx += gx * gx;
        sxy += gx * gy;
        syy += gy * gy;
        double r = (a.get(x, y) - n.meanA()) - alpha * (b.get(bx, by) - n.meanB());
        res += r * r;
        count++;
      }
    }
    double var = Math.max(1e-6, res / count);
    // gradients of noise add about var per axis per pixel (central differences): remove that floor
    // noise of the averaged central-difference gradients: var / 8 per axis per pixel (var holds
    // both images' noise)
    double floor = var * count / 8;
    double ixx = Math.max(0, sxx - floor) / (2 * var);
    double iyy = Math.max(0, syy - floor) / (2 * var);
    double ixy = sxy / (2 * var);
    return new double[] {ixx, ixy, iyy};
  }

  /**
   * The nearest positive semi-definite matrix to symmetric {a, b, c} (negative eigenvalues set to
   * 0).
   */
  static double[] psd(double[] m) {
    double tr = m[0] + m[2];
    double det = m[0] * m[2] - m[1] * m[1];
    double d = Math.sqrt(Math.max(0, tr * tr / 4 - det));
    double l1 = tr / 2 + d;
    double l2 = tr / 2 - d;
    if (l2 >= 0) {
      return m;
    }
    if (l1 <= 0) {
      return new double[3];
    }
    // eigenvector of l1
    double vx = m[1];
    double vy = l1 - m[0];
    if (Math.abs(vx) + Math.abs(vy) < 1e-12 * (Math.abs(l1) + 1)) {
      vx = m[0] >= m[2] ? 1 : 0;
      vy = m[0] >= m[2] ? 0 : 1;
    }
    double n = Math.hypot(vx, vy);
    vx /= n;
    vy /= n;
    return new double[] {l1 * vx * vx, l1 * vx * vy, l1 * vy * vy};
  }

  /** NCC of {@code a} and {@code b} with b's top-left at integer offset (dx, dy) in a's pixels. */
  static Ncc ncc(FloatImage a, FloatImage b, int dx, int dy) {
    int x0 = Math.max(0, dx);
    int x1 = Math.min(a.width(), dx + b.width());
    int y0 = Math.max(0, dy);
    int y1 = Math.min(a.height(), dy + b.height());
    if (x1 <= x0 || y1 <= y0) {
      return new Ncc(-1, 0, 0, 0, 0, 0);
    }
    float[] da = a.data();
    float[] db = b.data();
    int wa = a.width();
    int wb = b.width();
    double sa = 0;
    double sb = 0;
    double saa = 0;
    double sbb = 0;
    double sab = 0;
    for (int y = y0; y < y1; y++) {
      int ia = y * wa;
      int ib = (y - dy) * wb - dx;
      for (int x = x0; x < x1; x++) {
        double va = da[ia + x];
        double vb = db[ib + x];
        sa += va;
        sb += vb;
        saa += va * va;
        sbb += vb * vb;
        sab += va * vb;
      }
    }
    long n = (long) (x1 - x0) * (y1 - y0);
    double va = saa - sa * sa / n;
    double vb = sbb - sb * sb / n;
    double cov = sab - sa * sb / n;
    double stdA = Math.sqrt(Math.max(0, va) / n);
    double stdB = Math.sqrt(Math.max(0, vb) / n);
    double ncc = va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
    return new Ncc(ncc, n, stdA, stdB, sa / n, sb / n);
  }
}
