package org.connectome.stages.align;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.connectome.stages.stitch.FloatImage;
import org.connectome.stages.stitch.PhaseCorrelation;
import org.connectome.stages.stitch.Stats;

/**
 * Registers one section montage to another with a rigid transform. Coarse: on montages downsampled
 * by {@code coarseScale}, a search over rotations (every {@code rotationStepDeg} up to {@code
 * maxRotationDeg}, then a parabola through the best three) with phase correlation for the
 * translation at each angle, scored by normalized cross-correlation (NCC) over the pixels both
 * cover. Fine: at full resolution, a grid of patches of the first montage is matched by phase
 * correlation (sub-pixel) against the second montage resampled through the current transform; the
 * patch correspondences give the rigid transform by least squares (Procrustes) with outlier
 * rejection, twice. The patch offsets left after the rigid fit are the local deformation mesh.
 */
public final class MontageRegistration {
  /**
   * @param coarseScale downsampling of the coarse search
   * @param maxRotationDeg largest rotation searched, degrees
   * @param rotationStepDeg rotation step of the coarse search, degrees
   * @param maxShiftPx largest translation searched, px (full resolution)
   * @param patchSize fine patch size, px
   * @param patchStep fine patch spacing, px
   * @param minPatchNcc least NCC of a patch match
   * @param outlierPx residual floor of the outlier threshold, px
   * @param outlierK multiple of the residuals' robust sigma in the outlier threshold
   * @param minMatches least patch matches of a valid registration
   */
  public record Params(
      int coarseScale,
      double maxRotationDeg,
      double rotationStepDeg,
      double maxShiftPx,
      int patchSize,
      int patchStep,
      double minPatchNcc,
      double outlierPx,
      double outlierK,
      int minMatches) {
    public static final Params DEFAULT = new Params(8, 3.0, 0.5, 200, 128, 64, 0.2, 2.0, 3.0, 6);

    /**
     * These parameters for montages whose shorter side is {@code side} px: patches no larger than
     * {@code side / 2.5} (at least 4 per side, 32 px at least) with the spacing scaled alike, and a
     * coarse search whose downsampled images keep at least 64 px. A large montage keeps them as
     * given, so the patch count follows the montage's size.
     */
    public Params scaledTo(int side) {
      int ps = Math.min(patchSize, Math.max(32, (int) (side / 2.5) / 16 * 16));
      int step = Math.max(8, (int) Math.round((double) patchStep * ps / patchSize));
      int cs = Math.min(coarseScale, Math.max(1, side / 64));
      return new Params(
          cs,
          maxRotationDeg,
          rotationStepDeg,
          maxShiftPx,
          ps,
          step,
          minPatchNcc,
          outlierPx,
          outlierK,
          minMatches);
    }
  }

  /**
   * A patch correspondence.
   *
   * @param bx point in the moving montage (b), x
   * @param by y
   * @param ax where it lies in the fixed montage (a), x
   * @param ay y
   * @param ncc NCC of the patch match
   * @param inlier whether the rigid fit kept it
   */
  public record Match(double bx, double by, double ax, double ay, double ncc, boolean inlier) {}

  /**
   * @param transform takes b's pixel coordinates into a's
   * @param score median NCC of the kept patch matches (coarse NCC when there are none)
   * @param coarseNcc NCC of the coarse search's best angle
   * @param matches every patch match of the last pass
   * @param inliers matches kept by the fit
   * @param residualRmsPx RMS distance of the kept matches from the rigid fit, px
   * @param residualMaxPx largest such distance
   */
  public record Result(
      Rigid transform,
      double score,
      double coarseNcc,
      List<Match> matches,
      int inliers,
      double residualRmsPx,
      double residualMaxPx) {}

  private MontageRegistration() {}

  /** Registers {@code b} (moving) to {@code a} (fixed); unknown pixels are NaN. */
  public static Result register(FloatImage a, FloatImage b, Params p) {
    try {
      return register(MontageWindows.of(a), MontageWindows.of(b), p);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: no I/O
    }
  }

  /**
   * Registers {@code b} (moving) to {@code a} (fixed), read by window: the coarse search on their
   * levels downsampled by {@code coarseScale}, the fine pass one patch (and the part of {@code b}
   * it maps to) at a time.
   */
  public static Result register(MontageWindows a, MontageWindows b, Params p) throws IOException {
    double[] coarse = coarse(a, b, p);
    Rigid t = new Rigid(coarse[0], coarse[1], coarse[2]);
    Result r = null;
    for (int pass = 0; pass < 2; pass++) {
      r = fine(a, b, t, pass == 0 ? firstPass(p, a.width(), a.height()) : p, coarse[3]);
      if (r.inliers() < 2) {
        return r;
      }
      t = r.transform();
    }
    return r;
  }

  /**
   * The parameters of the first fine pass: patches twice as far apart (a quarter of them) where
   * that still leaves four times {@code minMatches} patch positions. The first pass only refines
   * the coarse transform for the second, which measures every patch; a quarter of the patches fit
   * that rigid transform about as well, for 3/8 less work (on the demo: a quarter less CPU in
   * align.pairs; residual against the truth median 1.14 px, p95 1.60 px, where both passes on every
   * patch gave 1.17 and 1.87).
   */
  static Params firstPass(Params p, int width, int height) {
    int step = 2 * p.patchStep();
    long positions =
        (long) Math.max(0, (width - p.patchSize()) / step + 1)
            * Math.max(0, (height - p.patchSize()) / step + 1);
    if (positions < 4L * p.minMatches()) {
      return p;
    }
    return new Params(
        p.coarseScale(),
        p.maxRotationDeg(),
        p.rotationStepDeg(),
        p.maxShiftPx(),
        p.patchSize(),
        step,
        p.minPatchNcc(),
        p.outlierPx(),
        p.outlierK(),
        p.minMatches());
  }

  /**
   * Coarse rotation and translation: {thetaDeg, dx, dy, ncc} of the transform b -> a at full
   * resolution (the fine stage then measures the rotation precisely from patch correspondences).
   */
  static double[] coarse(MontageWindows a, MontageWindows b, Params p) throws IOException {
    int f = Math.max(1, p.coarseScale());
    return search(
        MontageWindows.downsample(a, f),
        MontageWindows.downsample(b, f),
        f,
        0,
        p.maxRotationDeg(),
        p.rotationStepDeg(),
        p.maxShiftPx());
  }

  /**
   * Rotation search on montages {@code as} and {@code bs} downsampled by {@code f}: angles {@code
   * centre +- range} every {@code step}, each scored by the NCC at the best of the top phase
   * correlation peaks; the best angle refined by a parabola.
   */
  static double[] search(
      FloatImage as,
      FloatImage bs,
      int f,
      double centre,
      double range,
      double step,
      double maxShiftPx) {
    int pad = (int) Math.ceil(maxShiftPx / f);
    int cw = Math.max(as.width(), bs.width()) + 2 * pad;
    int ch = Math.max(as.height(), bs.height()) + 2 * pad;
    double[] sa =
        PhaseCorrelation.spectrum(PhaseCorrelation.prepare(canvas(as, cw, ch), cw, ch, 4), cw, ch);
    double cx = (bs.width() - 1) / 2.0;
    double cy = (bs.height() - 1) / 2.0;
    int steps = (int) Math.round(range / step);
    double[] score = new double[2 * steps + 1];
    int[][] shift = new int[2 * steps + 1][];
    int best = steps;
    for (int k = -steps; k <= steps; k++) {
      double th = centre + k * step;
      FloatImage rb = rotate(bs, th, cx, cy);
      float[] qb = PhaseCorrelation.prepare(canvas(rb, cw, ch), cw, ch, 4);
      double bestNcc = -2;
      int[] bestShift = {0, 0};
      for (PhaseCorrelation.Peak pk : PhaseCorrelation.peaks(sa, qb, cw, ch, 3, 2)) {
        // rb(p) = as(p - d): as(q) matches rb(q + d), so rb's content moves by -d into as
        int sx = -pk.ix();
        int sy = -pk.iy();
        if (Math.abs(sx) > pad || Math.abs(sy) > pad) {
          continue;
        }
        double n = maskedNcc(as, rb, sx, sy);
        if (n > bestNcc) {
          bestNcc = n;
          bestShift = new int[] {sx, sy};
        }
      }
      score[k + steps] = bestNcc;
      shift[k + steps] = bestShift;
      if (bestNcc > score[best]) {
        best = k + steps;
      }
    }
    double th = centre + (best - steps) * step;
    if (best > 0 && best < score.length - 1) {
      double l = score[best - 1];
      double c = score[best];
      double r = score[best + 1];
      double den = l - 2 * c + r;
      if (den < 0) {
        th += Math.max(-0.5, Math.min(0.5, 0.5 * (l - r) / den)) * step;
      }
    }
    // a_c = R(th) (b_c - c) + c + s at scale f; full = f * coarse + k, k = (f - 1) / 2; rotation
    // about C = f c + k
    double k = (f - 1) / 2.0;
    Rigid full =
        Rigid.aboutCentre(th, f * cx + k, f * cy + k, f * shift[best][0], f * shift[best][1]);
    return new double[] {full.thetaDeg(), full.dx(), full.dy(), score[best]};
  }

  private static float[] canvas(FloatImage img, int cw, int ch) {
    float[] c = new float[cw * ch];
    java.util.Arrays.fill(c, Float.NaN);
    for (int y = 0; y < img.height(); y++) {
      System.arraycopy(img.data(), y * img.width(), c, y * cw, img.width());
    }
    return c;
  }

  /**
   * {@code img} rotated by {@code thetaDeg} about (cx, cy): out(p) = img(R(-theta)(p - c) + c); NaN
   * outside.
   */
  static FloatImage rotate(FloatImage img, double thetaDeg, double cx, double cy) {
    if (thetaDeg == 0) {
      return img;
    }
    double t = Math.toRadians(thetaDeg);
    double c = Math.cos(t);
    double s = Math.sin(t);
    FloatImage out = new FloatImage(img.width(), img.height());
    for (int y = 0; y < img.height(); y++) {
      for (int x = 0; x < img.width(); x++) {
        double dx = x - cx;
        double dy = y - cy;
        out.set(x, y, img.sample(c * dx + s * dy + cx, -s * dx + c * dy + cy));
      }
    }
    return out;
  }

  /** NCC of a(q) and b(q - s) over the pixels both know, for integer s (b's content moved by s). */
  static double maskedNcc(FloatImage a, FloatImage b, int sx, int sy) {
    double sa = 0;
    double sb = 0;
    double saa = 0;
    double sbb = 0;
    double sab = 0;
    long n = 0;
    int x0 = Math.max(0, sx);
    int x1 = Math.min(a.width(), b.width() + sx);
    int y0 = Math.max(0, sy);
    int y1 = Math.min(a.height(), b.height() + sy);
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        float va = a.get(x, y);
        float vb = b.get(x - sx, y - sy);
        if (Float.isNaN(va) || Float.isNaN(vb)) {
          continue;
        }
        sa += va;
        sb += vb;
        saa += va * va;
        sbb += vb * vb;
        sab += va * vb;
        n++;
      }
    }
    if (n < 16) {
      return -1;
    }
    double vA = saa - sa * sa / n;
    double vB = sbb - sb * sb / n;
    return vA > 0 && vB > 0 ? (sab - sa * sb / n) / Math.sqrt(vA * vB) : 0;
  }

  /**
   * The part of montage {@code b} that a patch of a maps to through {@code inv}, with a pixel to
   * spare: sampled as {@link FloatImage#sample} samples the whole montage (NaN outside its pixel
   * centres' hull).
   */
  private record Window(FloatImage img, int x0, int y0, int width, int height) {
    static Window of(MontageWindows b, Rigid inv, double ic, double is, int x0, int y0, int ps)
        throws IOException {
      double minX = Double.MAX_VALUE;
      double minY = Double.MAX_VALUE;
      double maxX = -Double.MAX_VALUE;
      double maxY = -Double.MAX_VALUE;
      for (int v : new int[] {0, ps - 1}) {
        for (int u : new int[] {0, ps - 1}) {
          double qx = ic * (x0 + u) - is * (y0 + v) + inv.dx();
          double qy = is * (x0 + u) + ic * (y0 + v) + inv.dy();
          minX = Math.min(minX, qx);
          maxX = Math.max(maxX, qx);
          minY = Math.min(minY, qy);
          maxY = Math.max(maxY, qy);
        }
      }
      int wx0 = (int) Math.max(0, Math.floor(minX) - 1);
      int wy0 = (int) Math.max(0, Math.floor(minY) - 1);
      int wx1 = (int) Math.min(b.width() - 1, Math.floor(maxX) + 2);
      int wy1 = (int) Math.min(b.height() - 1, Math.floor(maxY) + 2);
      if (wx1 < wx0 || wy1 < wy0) {
        return new Window(null, 0, 0, b.width(), b.height());
      }
      return new Window(
          b.window(wx0, wy0, wx1 - wx0 + 1, wy1 - wy0 + 1), wx0, wy0, b.width(), b.height());
    }

    float sample(double x, double y) {
      if (img == null || !(x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1)) {
        return Float.NaN;
      }
      int ix0 = (int) x;
      int iy0 = (int) y;
      int ix1 = Math.min(ix0 + 1, width - 1);
      int iy1 = Math.min(iy0 + 1, height - 1);
      double fx = x - ix0;
      double fy = y - iy0;
      double top = img.get(ix0 - x0, iy0 - y0) * (1 - fx) + img.get(ix1 - x0, iy0 - y0) * fx;
      double bot = img.get(ix0 - x0, iy1 - y0) * (1 - fx) + img.get(ix1 - x0, iy1 - y0) * fx;
      return (float) (top * (1 - fy) + bot * fy);
    }
  }

  /** One fine pass: patch matches under transform {@code t} (b -> a), then the robust rigid fit. */
  static Result fine(MontageWindows a, MontageWindows b, Rigid t, Params p, double coarseNcc)
      throws IOException {
    int ps = p.patchSize();
    Rigid inv = t.inverse();
    double ic = Math.cos(inv.theta());
    double is = Math.sin(inv.theta());
    List<double[]> from = new ArrayList<>();
    List<double[]> to = new ArrayList<>();
    List<Double> nccs = new ArrayList<>();
    float[] pa = new float[ps * ps];
    float[] pb = new float[ps * ps];
    for (int y0 = 0; y0 + ps <= a.height(); y0 += p.patchStep()) {
      for (int x0 = 0; x0 + ps <= a.width(); x0 += p.patchStep()) {
        int va = 0;
        int vb = 0;
        FloatImage wa = a.window(x0, y0, ps, ps);
        Window wb = Window.of(b, inv, ic, is, x0, y0, ps);
        for (int v = 0; v < ps; v++) {
          for (int u = 0; u < ps; u++) {
            float x = wa.get(u, v);
            pa[v * ps + u] = x;
            if (!Float.isNaN(x)) {
              va++;
            }
            double qx = ic * (x0 + u) - is * (y0 + v) + inv.dx();
            double qy = is * (x0 + u) + ic * (y0 + v) + inv.dy();
            float y = wb.sample(qx, qy);
            pb[v * ps + u] = y;
            if (!Float.isNaN(y)) {
              vb++;
            }
          }
        }
        if (va < 0.8 * ps * ps || vb < 0.8 * ps * ps) {
          continue;
        }
        float[] qa = PhaseCorrelation.prepare(pa, ps, ps, ps / 8.0);
        float[] qb = PhaseCorrelation.prepare(pb, ps, ps, ps / 8.0);
        List<PhaseCorrelation.Peak> peaks = PhaseCorrelation.peaks(qa, qb, ps, ps, 1, 2);
        if (peaks.isEmpty()) {
          continue;
        }
        PhaseCorrelation.Peak pk = peaks.get(0);
        if (Math.abs(pk.ix()) > ps / 4 || Math.abs(pk.iy()) > ps / 4) {
          continue;
        }
        double ncc =
            maskedNcc(new FloatImage(ps, ps, pa), new FloatImage(ps, ps, pb), -pk.ix(), -pk.iy());
        if (ncc < p.minPatchNcc()) {
          continue;
        }
        // pb(q) = pa(q - d): pa(c) matches pb(c + d), i.e. b at inv(c + d)
        double cx = x0 + (ps - 1) / 2.0;
        double cy = y0 + (ps - 1) / 2.0;
        from.add(inv.apply(cx + pk.dx(), cy + pk.dy()));
        to.add(new double[] {cx, cy});
        nccs.add(ncc);
      }
    }
    int n = from.size();
    boolean[] in = new boolean[n];
    java.util.Arrays.fill(in, true);
    Rigid fit = t;
    double[] res = new double[n];
    for (int round = 0; round < 10 && n >= 2; round++) {
      double[] w = new double[n];
      for (int i = 0; i < n; i++) {
        w[i] = in[i] ? 1 : 0;
      }
      Rigid f = Rigid.fit(from.toArray(new double[0][]), to.toArray(new double[0][]), w);
      if (f == null) {
        break;
      }
      fit = f;
      List<Double> kept = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        double[] q = fit.apply(from.get(i)[0], from.get(i)[1]);
        res[i] = Math.hypot(q[0] - to.get(i)[0], q[1] - to.get(i)[1]);
        if (in[i]) {
          kept.add(res[i]);
        }
      }
      double[] kr = kept.stream().mapToDouble(Double::doubleValue).toArray();
      double thr = Math.max(p.outlierPx(), Stats.median(kr) + p.outlierK() * Stats.madSigma(kr));
      boolean changed = false;
      for (int i = 0; i < n; i++) {
        boolean keep = res[i] <= thr;
        if (keep != in[i]) {
          changed = true;
          in[i] = keep;
        }
      }
      if (!changed) {
        break;
      }
    }
    List<Match> matches = new ArrayList<>();
    List<Double> inNcc = new ArrayList<>();
    double ss = 0;
    double mx = 0;
    int inliers = 0;
    for (int i = 0; i < n; i++) {
      matches.add(
          new Match(
              from.get(i)[0], from.get(i)[1], to.get(i)[0], to.get(i)[1], nccs.get(i), in[i]));
      if (in[i]) {
        inliers++;
        ss += res[i] * res[i];
        mx = Math.max(mx, res[i]);
        inNcc.add(nccs.get(i));
      }
    }
    double score =
        inNcc.isEmpty()
            ? coarseNcc
            : Stats.median(inNcc.stream().mapToDouble(Double::doubleValue).toArray());
    return new Result(
        fit,
        score,
        coarseNcc,
        matches,
        inliers,
        inliers == 0 ? Double.NaN : Math.sqrt(ss / inliers),
        mx);
  }
}
