package org.connectome.stages.align;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.connectome.stages.stitch.FloatImage;

/**
 * A stitched section's {@code montage.raw} read by window with positional reads (offsets as longs),
 * its pixels outside every tile's solved rectangle NaN. Tiles are found through a grid of
 * tile-sized cells, so a window costs the tiles near it, not the section's.
 */
public final class MontageFile implements MontageWindows, AutoCloseable {
  private final SectionMontage geometry;
  private final Path raw;
  private final FileChannel ch;
  private final Map<Long, List<double[]>> cells = new HashMap<>();

  private MontageFile(SectionMontage geometry, Path raw) throws IOException {
    this.geometry = geometry;
    this.raw = raw;
    long size = java.nio.file.Files.size(raw);
    if (size != (long) geometry.width() * geometry.height()) {
      throw new IOException(
          raw
              + ": "
              + size
              + " bytes, montage.json says "
              + geometry.width()
              + " x "
              + geometry.height());
    }
    this.ch = FileChannel.open(raw, StandardOpenOption.READ);
    if (geometry.tileWidth() > 0 && geometry.tileHeight() > 0) {
      for (double[] t : geometry.tiles()) {
        for (long cy = cell(t[1], geometry.tileHeight());
            cy <= cell(t[1] + geometry.tileHeight(), geometry.tileHeight());
            cy++) {
          for (long cx = cell(t[0], geometry.tileWidth());
              cx <= cell(t[0] + geometry.tileWidth(), geometry.tileWidth());
              cx++) {
            cells.computeIfAbsent(key(cx, cy), k -> new ArrayList<>()).add(t);
          }
        }
      }
    }
  }

  /** Opens the montage of the stitch output folder {@code dir}. */
  public static MontageFile open(Path dir) throws IOException {
    return new MontageFile(SectionMontage.read(dir), dir.resolve("montage.raw"));
  }

  private static long cell(double v, int size) {
    return (long) Math.floor(v / size);
  }

  private static long key(long cx, long cy) {
    return (cx << 32) ^ (cy & 0xffffffffL);
  }

  @Override
  public int width() {
    return geometry.width();
  }

  @Override
  public int height() {
    return geometry.height();
  }

  @Override
  public FloatImage window(int x0, int y0, int w, int h) throws IOException {
    float[] d = new float[w * h];
    Arrays.fill(d, Float.NaN);
    int W = geometry.width();
    int H = geometry.height();
    int u0 = Math.max(0, x0);
    int u1 = Math.min(W, x0 + w);
    int v0 = Math.max(0, y0);
    int v1 = Math.min(H, y0 + h);
    if (u1 <= u0 || v1 <= v0) {
      return new FloatImage(w, h, d);
    }
    boolean[] known = coverage(u0, v0, u1, v1);
    int cw = u1 - u0;
    ByteBuffer row = ByteBuffer.allocate(cw);
    for (int v = v0; v < v1; v++) {
      row.clear();
      long pos = (long) v * W + u0;
      while (row.hasRemaining()) {
        int n = ch.read(row, pos + row.position());
        if (n < 0) {
          throw new IOException(raw + ": ends before row " + v);
        }
      }
      byte[] b = row.array();
      for (int u = 0; u < cw; u++) {
        if (known == null || known[(v - v0) * cw + u]) {
          d[(v - y0) * w + (u0 - x0) + u] = b[u] & 0xFF;
        }
      }
    }
    return new FloatImage(w, h, d);
  }

  /**
   * Which pixels of {@code [u0, u1) x [v0, v1)} a tile covers (its pixel centres' hull, as the
   * renderer places it); null when the montage lists no tiles (every pixel known).
   */
  private boolean[] coverage(int u0, int v0, int u1, int v1) {
    if (geometry.tiles().isEmpty() || geometry.tileWidth() <= 0) {
      return null;
    }
    int tw = geometry.tileWidth();
    int th = geometry.tileHeight();
    int cw = u1 - u0;
    boolean[] known = new boolean[cw * (v1 - v0)];
    java.util.Set<double[]> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (long cy = cell(v0, th); cy <= cell(v1, th); cy++) {
      for (long cx = cell(u0, tw); cx <= cell(u1, tw); cx++) {
        for (double[] t : cells.getOrDefault(key(cx, cy), List.of())) {
          if (!seen.add(t)) {
            continue;
          }
          int x0 = Math.max(u0, (int) Math.ceil(t[0]));
          int x1 = Math.min(u1 - 1, (int) Math.floor(t[0] + tw - 1));
          int y0 = Math.max(v0, (int) Math.ceil(t[1]));
          int y1 = Math.min(v1 - 1, (int) Math.floor(t[1] + th - 1));
          if (x1 < x0) {
            continue;
          }
          for (int y = y0; y <= y1; y++) {
            Arrays.fill(known, (y - v0) * cw + x0 - u0, (y - v0) * cw + x1 - u0 + 1, true);
          }
        }
      }
    }
    return known;
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
