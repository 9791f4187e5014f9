package org.connectome.stages.stitch;

import java.util.SplittableRandom;

/**
 * Synthetic EM-like test images: smooth cell-like regions with dark boundaries, fine grain,
 * detector noise.
 */
public final class Textures {
  private Textures() {}

  /** A {@code w x h} "tissue" image: Voronoi cells of random grey with dark membranes and grain. */
  public static FloatImage tissue(int w, int h, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int cells = Math.max(8, w * h / 1600);
    double[] cx = new double[cells];
    double[] cy = new double[cells];
    double[] grey = new double[cells];
    for (int i = 0; i < cells; i++) {
      cx[i] = r.nextDouble() * w;
      cy[i] = r.nextDouble() * h;
      grey[i] = 110 + 70 * r.nextDouble();
    }
    float[] grain = new float[w * h];
    for (int i = 0; i < grain.length; i++) {
      grain[i] = (float) (r.nextDouble() * 2 - 1);
    }
    FloatImage g = Filters.gaussian(new FloatImage(w, h, grain), 1.2);
    FloatImage out = new FloatImage(w, h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double d1 = Double.MAX_VALUE;
        double d2 = Double.MAX_VALUE;
        int c1 = 0;
        for (int i = 0; i < cells; i++) {
          double d = Math.hypot(x - cx[i], y - cy[i]);
          if (d < d1) {
            d2 = d1;
            d1 = d;
            c1 = i;
          } else if (d < d2) {
            d2 = d;
          }
        }
        double edge = (d2 - d1) / 2; // distance to the boundary
        double v = grey[c1] + 60 * g.get(x, y) - 90 * Math.exp(-edge * edge / 2.0);
        out.set(x, y, (float) v);
      }
    }
    return out;
  }

  /**
   * A {@code w x h} window of {@code src} whose pixel (0, 0) is at (x0, y0) (bilinear), plus
   * Gaussian noise.
   */
  public static FloatImage crop(
      FloatImage src, double x0, double y0, int w, int h, double noise, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    FloatImage out = new FloatImage(w, h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double n = noise == 0 ? 0 : noise * gaussian(r);
        out.set(x, y, (float) Math.max(0, Math.min(255, src.sample(x0 + x, y0 + y) + n)));
      }
    }
    return out;
  }

  /**
   * {@code src} rotated by {@code deg} about (cx, cy) then shifted: out(p) = src(R(-deg)(p - c - s)
   * + c).
   */
  public static FloatImage rotated(
      FloatImage src, double deg, double cx, double cy, double sx, double sy) {
    double t = Math.toRadians(deg);
    double c = Math.cos(t);
    double s = Math.sin(t);
    FloatImage out = new FloatImage(src.width(), src.height());
    for (int y = 0; y < src.height(); y++) {
      for (int x = 0; x < src.width(); x++) {
        double dx = x - cx - sx;
        double dy = y - cy - sy;
        out.set(x, y, src.sample(c * dx + s * dy + cx, -s * dx + c * dy + cy));
      }
    }
    return out;
  }

  static double gaussian(SplittableRandom r) {
    double u = Math.max(1e-12, r.nextDouble());
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
