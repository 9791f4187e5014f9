package org.connectome.stages.stitch;

/** Image filters for registration. */
public final class Filters {
  private Filters() {}

  /** Separable Gaussian blur with edges extended; NaN pixels stay NaN and do not contribute. */
  public static FloatImage gaussian(FloatImage img, double sigma) {
    if (sigma <= 0) {
      return img;
    }
    int r = (int) Math.ceil(3 * sigma);
    double[] k = new double[2 * r + 1];
    for (int i = -r; i <= r; i++) {
      k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
    }
    int w = img.width();
    int h = img.height();
    float[] src = img.data();
    float[] tmp = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (Float.isNaN(src[y * w + x])) {
          tmp[y * w + x] = Float.NaN;
          continue;
        }
        double s = 0;
        double ws = 0;
        for (int i = -r; i <= r; i++) {
          int xx = Math.min(w - 1, Math.max(0, x + i));
          float v = src[y * w + xx];
          if (!Float.isNaN(v)) {
            s += k[i + r] * v;
            ws += k[i + r];
          }
        }
        tmp[y * w + x] = (float) (s / ws);
      }
    }
    float[] out = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (Float.isNaN(tmp[y * w + x])) {
          out[y * w + x] = Float.NaN;
          continue;
        }
        double s = 0;
        double ws = 0;
        for (int i = -r; i <= r; i++) {
          int yy = Math.min(h - 1, Math.max(0, y + i));
          float v = tmp[yy * w + x];
          if (!Float.isNaN(v)) {
            s += k[i + r] * v;
            ws += k[i + r];
          }
        }
        out[y * w + x] = (float) (s / ws);
      }
    }
    return new FloatImage(w, h, out);
  }
}
