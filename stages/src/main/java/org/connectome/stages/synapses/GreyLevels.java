package org.connectome.stages.synapses;

import java.io.IOException;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;

/**
 * The membrane level ({@code dark}, a low percentile) and the cytoplasm level ({@code bright}, the median) of the
 * aligned image, per section and per tile of a fixed grid of {@code tile x tile} voxels anchored at the volume's
 * origin. Every voxel takes the levels of its tile, so a voxel's levels are the same from whichever block it is
 * seen (the tiles are read whole), and two blocks that see a site agree on it. A tile with fewer than
 * {@code minVoxels} voxels with data has no levels ({@link Double#NaN}).
 */
public final class GreyLevels {
  private final int tile;
  private final Box box;
  private final int tilesX;
  private final int tilesY;
  private final double[] dark;
  private final double[] bright;

  private GreyLevels(int tile, Box box, int tilesX, int tilesY, double[] dark, double[] bright) {
    this.tile = tile;
    this.box = box;
    this.tilesX = tilesX;
    this.tilesY = tilesY;
    this.dark = dark;
    this.bright = bright;
  }

  /** The box of whole tiles (clipped to the volume) that covers {@code region}: what {@link #of} must be given. */
  public static Box tilesCovering(Box region, Vec3 volume, int tile) {
    long x0 = region.start().x() / tile * tile;
    long y0 = region.start().y() / tile * tile;
    long x1 = Math.min(volume.x(), (region.end().x() + tile - 1) / tile * tile);
    long y1 = Math.min(volume.y(), (region.end().y() + tile - 1) / tile * tile);
    return new Box(new Vec3(x0, y0, region.start().z()), new Vec3(x1, y1, region.end().z()));
  }

  /**
   * Levels of the tiles of {@code image}, which covers {@code box} (whole tiles, from {@link #tilesCovering}).
   *
   * @param minValid         grey level below which a voxel has no data
   * @param minVoxels        fewest voxels with data for a tile to have levels
   * @param darkPercentile   percentile of the membrane level
   * @param brightPercentile percentile of the cytoplasm level
   */
  public static GreyLevels of(Box box, ByteVolume image, int tile, int minValid, int minVoxels,
      double darkPercentile, double brightPercentile) {
    Histograms h = new Histograms(box, tile, minValid);
    h.add(box, image);
    return h.levels(minVoxels, darkPercentile, brightPercentile);
  }

  /**
   * Levels of the tiles covering {@code box} in scale 0 of an image volume, read chunk by chunk so that only one
   * chunk is in memory at a time.
   */
  public static GreyLevels measure(PrecomputedVolume volume, Box box, int tile, int minValid, int minVoxels,
      double darkPercentile, double brightPercentile) throws IOException {
    Histograms h = new Histograms(box, tile, minValid);
    for (Box chunk : volume.grid(0).chunksIntersecting(box)) {
      Box part = new Box(new Vec3(Math.max(chunk.start().x(), box.start().x()),
          Math.max(chunk.start().y(), box.start().y()), Math.max(chunk.start().z(), box.start().z())),
          new Vec3(Math.min(chunk.end().x(), box.end().x()), Math.min(chunk.end().y(), box.end().y()),
              Math.min(chunk.end().z(), box.end().z())));
      h.add(part, volume.readImage(0, part));
    }
    return h.levels(minVoxels, darkPercentile, brightPercentile);
  }

  /** Grey level histograms per section and tile. */
  private static final class Histograms {
    final Box box;
    final int tile;
    final int minValid;
    final int tx;
    final int ty;
    final int nz;
    final int[][] hist;
    final int[] count;

    Histograms(Box box, int tile, int minValid) {
      if (box.start().x() % tile != 0 || box.start().y() % tile != 0) {
        throw new IllegalArgumentException("grey level tiles start on the tile grid, not at " + box.chunkName());
      }
      this.box = box;
      this.tile = tile;
      this.minValid = minValid;
      tx = (int) ((box.size().x() + tile - 1) / tile);
      ty = (int) ((box.size().y() + tile - 1) / tile);
      nz = (int) box.size().z();
      hist = new int[tx * ty * nz][256];
      count = new int[tx * ty * nz];
    }

    /** Adds the voxels of {@code data}, which holds the part {@code part} of the box. */
    void add(Box part, ByteVolume data) {
      int nx = data.sx();
      int ny = data.sy();
      byte[] d = data.data();
      for (int z = 0; z < data.sz(); z++) {
        int k = (int) (part.start().z() + z - box.start().z());
        for (int y = 0; y < ny; y++) {
          int j = (int) ((part.start().y() + y - box.start().y()) / tile);
          int row = (z * ny + y) * nx;
          for (int x = 0; x < nx; x++) {
            int v = d[row + x] & 0xff;
            // blending with the black outside a montage only darkens: only dark voxels need the neighbour check
            if (v >= minValid && (v >= 128 || hasData(d, nx, ny, z, x, y, minValid))) {
              int i = (int) ((part.start().x() + x - box.start().x()) / tile);
              int at = (k * ty + j) * tx + i;
              hist[at][v]++;
              count[at]++;
            }
          }
        }
      }
    }

    GreyLevels levels(int minVoxels, double darkPercentile, double brightPercentile) {
      double[] dark = new double[hist.length];
      double[] bright = new double[hist.length];
      for (int at = 0; at < hist.length; at++) {
        dark[at] = count[at] < minVoxels ? Double.NaN : percentile(hist[at], count[at], darkPercentile);
        bright[at] = count[at] < minVoxels ? Double.NaN : percentile(hist[at], count[at], brightPercentile);
      }
      return new GreyLevels(tile, box, tx, ty, dark, bright);
    }
  }

  /** Levels that are the same everywhere (tests, or a volume with known levels). */
  public static GreyLevels constant(Box box, double dark, double bright) {
    int nz = (int) box.size().z();
    double[] dk = new double[nz];
    double[] br = new double[nz];
    java.util.Arrays.fill(dk, dark);
    java.util.Arrays.fill(br, bright);
    // one tile larger than any volume
    return new GreyLevels(1 << 30, new Box(new Vec3(0, 0, box.start().z()), box.end()), 1, 1, dk, br);
  }

  /**
   * Whether the voxel and the voxels 2 away (8 directions, within the data given) have data: where a section's
   * montage ends, rendering blends the image with the black outside, and those voxels would pass for membranes.
   */
  private static boolean hasData(byte[] d, int nx, int ny, int z, int x, int y, int minValid) {
    for (int dy = -2; dy <= 2; dy += 2) {
      for (int dx = -2; dx <= 2; dx += 2) {
        int xx = x + dx;
        int yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < nx && yy < ny && (d[(z * ny + yy) * nx + xx] & 0xff) < minValid) {
          return false;
        }
      }
    }
    return true;
  }

  private int index(long x, long y, long z) {
    int i = (int) ((x - box.start().x()) / tile);
    int j = (int) ((y - box.start().y()) / tile);
    int k = (int) (z - box.start().z());
    if (i < 0 || j < 0 || k < 0 || i >= tilesX || j >= tilesY || x < box.start().x() || y < box.start().y()) {
      throw new IllegalArgumentException("voxel " + x + ", " + y + ", " + z + " outside the grey level tiles "
          + box.chunkName());
    }
    return (k * tilesY + j) * tilesX + i;
  }

  /** The membrane level of voxel (x, y, z) (volume coordinates), NaN where its tile has too little data. */
  public double dark(long x, long y, long z) {
    return dark[index(x, y, z)];
  }

  /** The cytoplasm level of voxel (x, y, z). */
  public double bright(long x, long y, long z) {
    return bright[index(x, y, z)];
  }

  /** Tile size, voxels. */
  public int tile() {
    return tile;
  }

  /** A percentile of a histogram, interpolated between grey levels. */
  static double percentile(int[] hist, int n, double pct) {
    double target = pct / 100.0 * (n - 1);
    long seen = 0;
    for (int v = 0; v < hist.length; v++) {
      if (hist[v] == 0) {
        continue;
      }
      if (seen + hist[v] > target) {
        // the target-th value (from 0) lies among this level's voxels
        return v;
      }
      seen += hist[v];
    }
    return hist.length - 1;
  }
}
