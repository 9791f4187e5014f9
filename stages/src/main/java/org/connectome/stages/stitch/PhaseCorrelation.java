package org.connectome.stages.stitch;

import java.util.ArrayList;
import java.util.List;
import org.jtransforms.fft.DoubleFFT_2D;

/**
 * Phase correlation of two equally sized images with JTransforms' 2D FFT: the normalized
 * cross-power spectrum's inverse has a peak at the shift between them. Images are prepared by
 * {@link #prepare}: the mean of the known pixels subtracted, unknown pixels (NaN) set to 0, and a
 * raised-cosine taper towards the borders of the known area so the borders do not correlate.
 *
 * <p>Convention: a peak at {@code (dx, dy)} means {@code b(p) = a(p - d)}, i.e. what {@code a}
 * shows at {@code p} appears in {@code b} at {@code p + d}.
 */
public final class PhaseCorrelation {
  static {
    // one thread per task process: the platform runs tasks side by side, one per CPU it was given
    pl.edu.icm.jlargearrays.ConcurrencyUtils.setNumberOfThreads(1);
  }

  /**
   * A correlation peak.
   *
   * @param dx shift in x, sub-pixel (parabola through the peak and its neighbours)
   * @param dy shift in y
   * @param ix integer shift in x
   * @param iy integer shift in y
   * @param value height of the peak (1 for a pure shift of identical images)
   */
  public record Peak(double dx, double dy, int ix, int iy, double value) {}

  /**
   * Exponent of the spectrum normalization: the cross-power spectrum is divided by its magnitude to
   * this power (1 = pure phase correlation; lower keeps some weight on the strong low frequencies,
   * which makes the peak robust to noise in the weak high frequencies of smooth EM textures).
   */
  static final double WHITENING = 0.8;

  private PhaseCorrelation() {}

  /** The smallest 2^a 3^b 5^c at least {@code n}: sizes JTransforms transforms fast. */
  public static int goodSize(int n) {
    int best = Integer.MAX_VALUE;
    for (long p2 = 1; p2 < 2L * n + 2; p2 *= 2) {
      for (long p3 = p2; p3 < 2L * n + 2; p3 *= 3) {
        for (long p5 = p3; p5 < 2L * n + 2; p5 *= 5) {
          if (p5 >= n && p5 < best) {
            best = (int) p5;
          }
        }
      }
    }
    return best;
  }

  /**
   * Returns a copy of {@code v} ready for correlation: mean of the known values subtracted, NaN set
   * to 0, and a raised-cosine taper of {@code taper} pixels towards the image border and towards
   * unknown pixels.
   */
  public static float[] prepare(float[] v, int w, int h, double taper) {
    double sum = 0;
    int n = 0;
    for (float x : v) {
      if (!Float.isNaN(x)) {
        sum += x;
        n++;
      }
    }
    double mean = n == 0 ? 0 : sum / n;
    float[] out = new float[v.length];
    if (n == v.length && taper > 0) {
      // nothing unknown: the border window, cached per size
      float[] win = window(w, h, taper);
      for (int i = 0; i < v.length; i++) {
        out[i] = (float) ((v[i] - mean) * win[i]);
      }
      return out;
    }
    float[] dist = taper > 0 ? distanceToUnknown(v, w, h) : null;
    for (int i = 0; i < v.length; i++) {
      if (Float.isNaN(v[i])) {
        continue;
      }
      double wgt = 1;
      if (dist != null) {
        double t = Math.min(1, dist[i] / taper);
        wgt = 0.5 - 0.5 * Math.cos(Math.PI * t);
      }
      out[i] = (float) ((v[i] - mean) * wgt);
    }
    return out;
  }

  private static final java.util.Map<String, float[]> WINDOWS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The raised-cosine border window of a fully known image (what {@link #prepare} applies). */
  private static float[] window(int w, int h, double taper) {
    return WINDOWS.computeIfAbsent(
        w + "x" + h + "/" + taper,
        k -> {
          float[] v = new float[w * h];
          float[] d = distanceToUnknown(v, w, h);
          float[] out = new float[w * h];
          for (int i = 0; i < out.length; i++) {
            double t = Math.min(1, d[i] / taper);
            out[i] = (float) (0.5 - 0.5 * Math.cos(Math.PI * t));
          }
          return out;
        });
  }

  /**
   * Chamfer distance (3-4, in pixels) from each known pixel to the nearest unknown pixel or to
   * outside the image; a pixel on the border is at distance 0.5.
   */
  static float[] distanceToUnknown(float[] v, int w, int h) {
    float inf = 1e9f;
    float[] d = new float[v.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        if (Float.isNaN(v[i])) {
          d[i] = 0;
        } else if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
          d[i] = 0.5f;
        } else {
          d[i] = inf;
        }
      }
    }
    float a = 1f;
    float b = 1.4142f;
    for (int y = 1; y < h; y++) {
      for (int x = 1; x < w - 1; x++) {
        int i = y * w + x;
        float m = d[i];
        m = Math.min(m, d[i - 1] + a);
        m = Math.min(m, d[i - w] + a);
        m = Math.min(m, d[i - w - 1] + b);
        m = Math.min(m, d[i - w + 1] + b);
        d[i] = m;
      }
    }
    for (int y = h - 2; y >= 0; y--) {
      for (int x = w - 2; x >= 1; x--) {
        int i = y * w + x;
        float m = d[i];
        m = Math.min(m, d[i + 1] + a);
        m = Math.min(m, d[i + w] + a);
        m = Math.min(m, d[i + w + 1] + b);
        m = Math.min(m, d[i + w - 1] + b);
        d[i] = m;
      }
    }
    return d;
  }

  /**
   * The highest peaks of the phase correlation of two prepared images of {@code w x h}, best first,
   * at least {@code minSeparation} pixels apart (Chebyshev distance). Shifts are in {@code
   * [-size/2, size/2)} of the transform size, which is at least {@code w x h}; pad the images
   * yourself when shifts may exceed half of it.
   */
  public static List<Peak> peaks(
      float[] a, float[] b, int w, int h, int maxPeaks, int minSeparation) {
    return peaks(spectrum(a, w, h), b, w, h, maxPeaks, minSeparation);
  }

  /**
   * The 2D spectrum of a prepared image, for correlating one image with many (the other {@code
   * peaks}).
   */
  public static double[] spectrum(float[] a, int w, int h) {
    int fw = goodSize(w);
    int fh = goodSize(h);
    double[] fa = new double[fh * 2 * fw];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        fa[y * 2 * fw + 2 * x] = a[y * w + x];
      }
    }
    fft(fh, fw).complexForward(fa);
    return fa;
  }

  private static final ThreadLocal<java.util.Map<Long, DoubleFFT_2D>> PLANS =
      ThreadLocal.withInitial(java.util.HashMap::new);

  /**
   * A cached transform plan: making one costs more than transforming a small image. Cached per
   * thread: a JTransforms plan keeps scratch space, so two threads transforming with one plan
   * (tasks that run as threads of one JVM) corrupt each other's spectra.
   */
  private static DoubleFFT_2D fft(int rows, int cols) {
    return PLANS
        .get()
        .computeIfAbsent(((long) rows << 32) | cols, k -> new DoubleFFT_2D(rows, cols));
  }

  /**
   * As {@link #peaks(float[], float[], int, int, int, int)} with the first image's {@link
   * #spectrum}.
   */
  public static List<Peak> peaks(
      double[] spectrumA, float[] b, int w, int h, int maxPeaks, int minSeparation) {
    int fw = goodSize(w);
    int fh = goodSize(h);
    double[] fa = new double[fh * 2 * fw];
    double[] fb = spectrum(b, w, h);
    DoubleFFT_2D fft = fft(fh, fw);
    // magnitudes by sqrt, not Math.hypot: hypot's overflow care is exact to the last ulp and
    // several
    // times slower, and these products are far from overflow (a fifth of align.pairs' time was
    // hypot)
    double maxMag2 = 0;
    double[] sa = spectrumA;
    for (int i = 0; i < fa.length; i += 2) {
      // conj(A) * B: peaks at d where b(p) = a(p - d)
      double re = sa[i] * fb[i] + sa[i + 1] * fb[i + 1];
      double im = sa[i] * fb[i + 1] - sa[i + 1] * fb[i];
      fa[i] = re;
      fa[i + 1] = im;
      maxMag2 = Math.max(maxMag2, re * re + im * im);
    }
    double eps = 1e-9 * Math.sqrt(maxMag2) + 1e-30;
    for (int i = 0; i < fa.length; i += 2) {
      double mag = Math.pow(Math.sqrt(fa[i] * fa[i] + fa[i + 1] * fa[i + 1]) + eps, WHITENING);
      fa[i] /= mag;
      fa[i + 1] /= mag;
    }
    fft.complexInverse(fa, true);
    double[] r = new double[fw * fh];
    for (int i = 0; i < r.length; i++) {
      r[i] = fa[2 * i];
    }
    return findPeaks(r, fw, fh, maxPeaks, minSeparation);
  }

  /**
   * Local maxima of a periodic surface, highest first, with sub-pixel positions by parabola fits.
   */
  static List<Peak> findPeaks(double[] r, int fw, int fh, int maxPeaks, int minSeparation) {
    List<int[]> cand = new ArrayList<>();
    if (maxPeaks == 1) {
      int best = 0;
      for (int i = 1; i < r.length; i++) {
        if (r[i] > r[best]) {
          best = i;
        }
      }
      cand.add(new int[] {best % fw, best / fw});
      return subPixel(r, fw, fh, cand, 1, minSeparation);
    }
    for (int y = 0; y < fh; y++) {
      for (int x = 0; x < fw; x++) {
        double v = r[y * fw + x];
        boolean max = true;
        for (int j = -1; j <= 1 && max; j++) {
          for (int i = -1; i <= 1; i++) {
            if ((i != 0 || j != 0)
                && r[Math.floorMod(y + j, fh) * fw + Math.floorMod(x + i, fw)] > v) {
              max = false;
              break;
            }
          }
        }
        if (max) {
          cand.add(new int[] {x, y});
        }
      }
    }
    cand.sort((p, q) -> Double.compare(r[q[1] * fw + q[0]], r[p[1] * fw + p[0]]));
    return subPixel(r, fw, fh, cand, maxPeaks, minSeparation);
  }

  private static List<Peak> subPixel(
      double[] r, int fw, int fh, List<int[]> cand, int maxPeaks, int minSeparation) {
    List<Peak> out = new ArrayList<>();
    for (int[] c : cand) {
      int ix = c[0] >= fw / 2 ? c[0] - fw : c[0];
      int iy = c[1] >= fh / 2 ? c[1] - fh : c[1];
      boolean near = false;
      for (Peak p : out) {
        if (Math.max(Math.abs(p.ix() - ix), Math.abs(p.iy() - iy)) < minSeparation) {
          near = true;
          break;
        }
      }
      if (near) {
        continue;
      }
      double v = r[c[1] * fw + c[0]];
      double l = r[c[1] * fw + Math.floorMod(c[0] - 1, fw)];
      double rr = r[c[1] * fw + Math.floorMod(c[0] + 1, fw)];
      double u = r[Math.floorMod(c[1] - 1, fh) * fw + c[0]];
      double d = r[Math.floorMod(c[1] + 1, fh) * fw + c[0]];
      out.add(new Peak(ix + parabola(l, v, rr), iy + parabola(u, v, d), ix, iy, v));
      if (out.size() >= maxPeaks) {
        break;
      }
    }
    return out;
  }

  /** Offset in [-0.5, 0.5] of the vertex of the parabola through (-1, l), (0, c), (1, r). */
  static double parabola(double l, double c, double r) {
    double den = l - 2 * c + r;
    if (den >= 0) {
      return 0;
    }
    double o = 0.5 * (l - r) / den;
    return Math.max(-0.5, Math.min(0.5, o));
  }
}
