package org.connectome.stages.stitch;

import org.connectome.imaging.Image8;

/**
 * A grey image as floats, rows top-down, pixel (x, y) at {@code y * width + x}; pixel centres at
 * integer coordinates. The working image of registration: tiles, montages and their downsampled
 * copies.
 */
public final class FloatImage {
  private final int width;
  private final int height;
  private final float[] data;

  public FloatImage(int width, int height, float[] data) {
    if (width <= 0 || height <= 0 || data.length != width * height) {
      throw new IllegalArgumentException(
          "image " + width + " x " + height + " with " + data.length + " values");
    }
    this.width = width;
    this.height = height;
    this.data = data;
  }

  public FloatImage(int width, int height) {
    this(width, height, new float[width * height]);
  }

  public static FloatImage of(Image8 img) {
    byte[] p = img.pixels();
    float[] d = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      d[i] = p[i] & 0xFF;
    }
    return new FloatImage(img.width(), img.height(), d);
  }

  /** The window {@code [x0, x1) x [y0, y1)} of an 8-bit image, as floats. */
  public static FloatImage crop(Image8 img, int x0, int y0, int x1, int y1) {
    int w = x1 - x0;
    int h = y1 - y0;
    float[] d = new float[w * h];
    byte[] p = img.pixels();
    for (int y = 0; y < h; y++) {
      int src = (y0 + y) * img.width() + x0;
      for (int x = 0; x < w; x++) {
        d[y * w + x] = p[src + x] & 0xFF;
      }
    }
    return new FloatImage(w, h, d);
  }

  /** An 8-bit image, {@code width * height} bytes row-major. */
  public static FloatImage ofBytes(int width, int height, byte[] p) {
    float[] d = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      d[i] = p[i] & 0xFF;
    }
    return new FloatImage(width, height, d);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public float[] data() {
    return data;
  }

  public float get(int x, int y) {
    return data[y * width + x];
  }

  public void set(int x, int y, float v) {
    data[y * width + x] = v;
  }

  /** Whether (x, y) lies where {@link #sample} interpolates without extending an edge. */
  public boolean inside(double x, double y) {
    return x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1;
  }

  /** Bilinear value at (x, y); NaN outside the pixel centres' hull. */
  public float sample(double x, double y) {
    if (!(x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1)) {
      return Float.NaN;
    }
    int x0 = (int) x;
    int y0 = (int) y;
    int x1 = Math.min(x0 + 1, width - 1);
    int y1 = Math.min(y0 + 1, height - 1);
    double fx = x - x0;
    double fy = y - y0;
    double top = data[y0 * width + x0] * (1 - fx) + data[y0 * width + x1] * fx;
    double bot = data[y1 * width + x0] * (1 - fx) + data[y1 * width + x1] * fx;
    return (float) (top * (1 - fy) + bot * fy);
  }

  /**
   * Box-averages by {@code factor}; a NaN pixel (no data) is left out of its box's average, and a
   * box with fewer than half its pixels known becomes NaN.
   */
  public FloatImage downsample(int factor) {
    if (factor <= 1) {
      return this;
    }
    int w = Math.max(1, width / factor);
    int h = Math.max(1, height / factor);
    float[] out = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double sum = 0;
        int n = 0;
        for (int j = y * factor; j < Math.min(height, (y + 1) * factor); j++) {
          for (int i = x * factor; i < Math.min(width, (x + 1) * factor); i++) {
            float v = data[j * width + i];
            if (!Float.isNaN(v)) {
              sum += v;
              n++;
            }
          }
        }
        out[y * w + x] = n * 2 >= factor * factor ? (float) (sum / n) : Float.NaN;
      }
    }
    return new FloatImage(w, h, out);
  }
}
