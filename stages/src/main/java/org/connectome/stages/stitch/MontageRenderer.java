package org.connectome.stages.stitch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.connectome.imaging.Image8;

/**
 * Renders a section montage block by block: each tile placed at its solved position (bilinear
 * resampling at the sub-pixel offset), brightness-corrected, and blended with its neighbours by
 * feathering (weights rising linearly from a tile's edge over {@code featherPx}), so overlaps have
 * no seams. Pixels no tile covers are 0. A block holds 9 bytes per pixel and reads the few tiles
 * that cross it, so memory is set by the block size, never by the section's.
 */
public final class MontageRenderer {
  /**
   * The montage's frame.
   *
   * @param originX stage x of montage pixel (0, 0)
   * @param originY stage y of montage pixel (0, 0)
   * @param width columns
   * @param height rows
   */
  public record Frame(double originX, double originY, int width, int height) {
    /** Pixels in the montage. */
    public long pixels() {
      return (long) width * height;
    }
  }

  /** Where rendered blocks go. */
  public interface BlockSink {
    /**
     * Takes the rendered block {@code [x0, x0 + w) x [y0, y0 + h)} of the montage, {@code w * h}
     * bytes row-major in {@code pixels} (the array is reused for the next block).
     */
    void block(int x0, int y0, int w, int h, byte[] pixels) throws IOException;
  }

  private MontageRenderer() {}

  /**
   * The montage frame: origin at the floor of the smallest solved top-left, size covering every
   * tile.
   */
  public static Frame frame(List<SectionStitcher.Tile> tiles, double[] x, double[] y) {
    double minX = Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (int i = 0; i < tiles.size(); i++) {
      minX = Math.min(minX, x[i]);
      minY = Math.min(minY, y[i]);
      maxX = Math.max(maxX, x[i] + tiles.get(i).width() - 1);
      maxY = Math.max(maxY, y[i] + tiles.get(i).height() - 1);
    }
    double ox = Math.floor(minX);
    double oy = Math.floor(minY);
    double w = Math.floor(maxX - ox) + 1;
    double h = Math.floor(maxY - oy) + 1;
    if (w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "montage of " + (long) w + " x " + (long) h + " px: a side exceeds 2^31 - 1 px");
    }
    return new Frame(ox, oy, (int) w, (int) h);
  }

  /**
   * Renders the montage of frame {@code f} in blocks of at most {@code blockPx} x {@code blockPx},
   * row of blocks by row of blocks, left to right, into {@code sink}.
   */
  public static void render(
      List<SectionStitcher.Tile> tiles,
      TileSource source,
      double[] x,
      double[] y,
      double[] gain,
      double[] offset,
      double featherPx,
      Frame f,
      int blockPx,
      BlockSink sink)
      throws IOException, InterruptedException {
    int n = tiles.size();
    // tiles by their first montage row, to find those crossing a row of blocks without a scan of
    // the section per block
    Integer[] byTop = new Integer[n];
    for (int t = 0; t < n; t++) {
      byTop[t] = t;
    }
    Arrays.sort(byTop, Comparator.comparingDouble(t -> y[t]));
    double maxHeight = tiles.stream().mapToInt(SectionStitcher.Tile::height).max().orElse(0);
    int side = Math.max(1, blockPx);
    float[] sum = new float[Math.min(side, f.width()) * Math.min(side, f.height())];
    float[] wsum = new float[sum.length];
    byte[] out = new byte[sum.length];
    int first = 0;
    for (int by = 0; by < f.height(); by += side) {
      int bh = Math.min(side, f.height() - by);
      while (first < n && y[byTop[first]] - f.originY() + maxHeight < by) {
        first++;
      }
      List<Integer> row = new ArrayList<>();
      for (int k = first; k < n; k++) {
        int t = byTop[k];
        double py = y[t] - f.originY();
        if (py > by + bh) {
          break;
        }
        if (py + tiles.get(t).height() >= by) {
          row.add(t);
        }
      }
      // tile order fixes the order of the float sums: the same as rendering the whole montage
      row.sort(null);
      for (int bx = 0; bx < f.width(); bx += side) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        int bw = Math.min(side, f.width() - bx);
        Arrays.fill(sum, 0, bw * bh, 0f);
        Arrays.fill(wsum, 0, bw * bh, 0f);
        for (int t : row) {
          double px = x[t] - f.originX();
          SectionStitcher.Tile tile = tiles.get(t);
          if (px > bx + bw || px + tile.width() < bx) {
            continue;
          }
          addTile(
              source.image(t),
              px,
              y[t] - f.originY(),
              gain[t],
              offset[t],
              featherPx,
              bx,
              by,
              bw,
              bh,
              sum,
              wsum);
        }
        for (int i = 0; i < bw * bh; i++) {
          out[i] =
              wsum[i] > 0 ? (byte) Math.max(0, Math.min(255, Math.round(sum[i] / wsum[i]))) : 0;
        }
        sink.block(bx, by, bw, bh, out);
      }
    }
  }

  /** Adds one tile's weighted values to the block at {@code (bx, by)}. */
  private static void addTile(
      Image8 img,
      double px,
      double py,
      double g,
      double o,
      double featherPx,
      int bx,
      int by,
      int bw,
      int bh,
      float[] sum,
      float[] wsum) {
    int tw = img.width();
    int th = img.height();
    double feather = Math.max(1e-6, featherPx);
    int u0 = (int) Math.max(bx, Math.ceil(px));
    int u1 = (int) Math.min(bx + bw - 1, Math.floor(px + tw - 1));
    int v0 = (int) Math.max(by, Math.ceil(py));
    int v1 = (int) Math.min(by + bh - 1, Math.floor(py + th - 1));
    byte[] d = img.pixels();
    for (int v = v0; v <= v1; v++) {
      double ty = v - py;
      if (!(ty >= 0 && ty <= th - 1)) {
        continue; // rounding at the tile's last row: outside its pixel centres
      }
      double wy = Math.min(1, Math.min(ty + 0.5, th - 0.5 - ty) / feather);
      int y0 = (int) ty;
      int y1 = Math.min(y0 + 1, th - 1);
      double fy = ty - y0;
      for (int u = u0; u <= u1; u++) {
        double tx = u - px;
        if (!(tx >= 0 && tx <= tw - 1)) {
          continue;
        }
        double wx = Math.min(1, Math.min(tx + 0.5, tw - 0.5 - tx) / feather);
        int x0 = (int) tx;
        int x1 = Math.min(x0 + 1, tw - 1);
        double fx = tx - x0;
        // bilinear, as FloatImage.sample
        double top = (d[y0 * tw + x0] & 0xFF) * (1 - fx) + (d[y0 * tw + x1] & 0xFF) * fx;
        double bot = (d[y1 * tw + x0] & 0xFF) * (1 - fx) + (d[y1 * tw + x1] & 0xFF) * fx;
        float val = (float) (top * (1 - fy) + bot * fy);
        double wt = Math.max(1e-4, wx * wy);
        int i = (v - by) * bw + (u - bx);
        sum[i] += (float) (wt * (128 + g * (val - 128) + o));
        wsum[i] += (float) wt;
      }
    }
  }
}
