package org.connectome.stages.align;

import java.io.IOException;
import org.connectome.stages.stitch.FloatImage;

/**
 * A section montage read by window, so registering two sections never holds either whole: the
 * coarse search reads a downsampled level band by band, the fine pass one patch at a time. Pixels
 * no tile covers, and pixels outside the montage, are NaN.
 */
public interface MontageWindows {
  int width();

  int height();

  /** The pixels {@code [x0, x0 + w) x [y0, y0 + h)} as floats (NaN where unknown). */
  FloatImage window(int x0, int y0, int w, int h) throws IOException;

  /** A montage in memory: NaN for unknown pixels. */
  static MontageWindows of(FloatImage img) {
    return new MontageWindows() {
      @Override
      public int width() {
        return img.width();
      }

      @Override
      public int height() {
        return img.height();
      }

      @Override
      public FloatImage window(int x0, int y0, int w, int h) {
        float[] d = new float[w * h];
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int u = x0 + x;
            int v = y0 + y;
            d[y * w + x] =
                u >= 0 && v >= 0 && u < img.width() && v < img.height() ? img.get(u, v) : Float.NaN;
          }
        }
        return new FloatImage(w, h, d);
      }
    };
  }

  /**
   * Box average by {@code factor} as {@link FloatImage#downsample} computes it (a box with fewer
   * than half its pixels known is NaN), read in bands of {@code factor} rows and at most {@code
   * 1024} output columns at a time.
   */
  static FloatImage downsample(MontageWindows m, int factor) throws IOException {
    if (factor <= 1) {
      return m.window(0, 0, m.width(), m.height());
    }
    int w = Math.max(1, m.width() / factor);
    int h = Math.max(1, m.height() / factor);
    float[] out = new float[w * h];
    int chunk = 1024;
    for (int y = 0; y < h; y++) {
      int r0 = y * factor;
      int rows = Math.min(m.height(), r0 + factor) - r0;
      for (int xs = 0; xs < w; xs += chunk) {
        int xe = Math.min(w, xs + chunk);
        int c0 = xs * factor;
        int cols = Math.min(m.width(), xe * factor) - c0;
        FloatImage band = m.window(c0, r0, cols, rows);
        float[] d = band.data();
        for (int x = xs; x < xe; x++) {
          double sum = 0;
          int n = 0;
          for (int j = 0; j < rows; j++) {
            for (int i = x * factor - c0; i < Math.min(cols, (x + 1) * factor - c0); i++) {
              float v = d[j * cols + i];
              if (!Float.isNaN(v)) {
                sum += v;
                n++;
              }
            }
          }
          out[y * w + x] = n * 2 >= factor * factor ? (float) (sum / n) : Float.NaN;
        }
      }
    }
    return new FloatImage(w, h, out);
  }
}
