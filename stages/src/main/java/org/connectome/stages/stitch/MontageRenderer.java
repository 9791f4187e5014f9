package org.connectome.stages.stitch;

import java.util.List;

/**
 * Renders a section montage: each tile placed at its solved position (bilinear resampling at the
 * sub-pixel offset), brightness-corrected, and blended with its neighbours by feathering (weights
 * rising linearly from a tile's edge over {@code featherPx}), so overlaps have no seams. Pixels no
 * tile covers are 0.
 */
public final class MontageRenderer {
  /**
   * A rendered montage.
   *
   * @param width columns
   * @param height rows
   * @param originX stage x of montage pixel (0, 0)
   * @param originY stage y of montage pixel (0, 0)
   * @param pixels uint8, row-major, x fastest
   */
  public record Montage(int width, int height, double originX, double originY, byte[] pixels) {}

  private MontageRenderer() {}

  /**
   * The montage frame: origin at the floor of the smallest solved top-left, size covering every
   * tile.
   */
  public static double[] frame(List<SectionStitcher.Tile> tiles, double[] x, double[] y) {
    double minX = Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (int i = 0; i < tiles.size(); i++) {
      minX = Math.min(minX, x[i]);
      minY = Math.min(minY, y[i]);
      maxX = Math.max(maxX, x[i] + tiles.get(i).image().width() - 1);
      maxY = Math.max(maxY, y[i] + tiles.get(i).image().height() - 1);
    }
    double ox = Math.floor(minX);
    double oy = Math.floor(minY);
    return new double[] {ox, oy, Math.floor(maxX - ox) + 1, Math.floor(maxY - oy) + 1};
  }

  public static Montage render(
      List<SectionStitcher.Tile> tiles,
      double[] x,
      double[] y,
      double[] gain,
      double[] offset,
      double featherPx) {
    double[] f = frame(tiles, x, y);
    double ox = f[0];
    double oy = f[1];
    int w = (int) f[2];
    int h = (int) f[3];
    if ((long) w * h > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "montage of " + w + " x " + h + " px is too large to render in memory");
    }
    float[] sum = new float[w * h];
    float[] wsum = new float[w * h];
    double feather = Math.max(1e-6, featherPx);
    for (int t = 0; t < tiles.size(); t++) {
      FloatImage img = tiles.get(t).image();
      int tw = img.width();
      int th = img.height();
      double px = x[t] - ox;
      double py = y[t] - oy;
      int u0 = (int) Math.ceil(px);
      int u1 = (int) Math.floor(px + tw - 1);
      int v0 = (int) Math.ceil(py);
      int v1 = (int) Math.floor(py + th - 1);
      double g = gain[t];
      double o = offset[t];
      for (int v = Math.max(0, v0); v <= Math.min(h - 1, v1); v++) {
        double ty = v - py;
        double wy = Math.min(1, Math.min(ty + 0.5, th - 0.5 - ty) / feather);
        for (int u = Math.max(0, u0); u <= Math.min(w - 1, u1); u++) {
          double tx = u - px;
          double wx = Math.min(1, Math.min(tx + 0.5, tw - 0.5 - tx) / feather);
          float val = img.sample(tx, ty);
          if (Float.isNaN(val)) {
            continue;
          }
          double wt = Math.max(1e-4, wx * wy);
          int i = v * w + u;
          sum[i] += (float) (wt * (128 + g * (val - 128) + o));
          wsum[i] += (float) wt;
        }
      }
    }
    byte[] out = new byte[w * h];
    for (int i = 0; i < out.length; i++) {
      if (wsum[i] > 0) {
        out[i] = (byte) Math.max(0, Math.min(255, Math.round(sum[i] / wsum[i])));
      }
    }
    return new Montage(w, h, ox, oy, out);
  }
}
