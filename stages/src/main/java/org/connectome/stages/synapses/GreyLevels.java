package org.connectome.stages.synapses;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;

/**
 * Grey levels of the aligned image per section and per tile of a fixed grid of {@code tile x tile}
 * voxels anchored at the volume's origin:
 *
 * <ul>
 *   <li>{@code dark} and {@code bright}: a low percentile (membrane cores) and the median
 *       (cytoplasm) of the tile's voxels with data, which place the dark mask;
 *   <li>{@code membrane}: the median grey of thin membranes, the level a cleft must be darker than.
 *       It is measured on membrane ridges, voxels that are the darkest of their 3 x 3 neighbourhood
 *       (smoothed), darker than halfway between {@code dark} and {@code bright}, on a thin dark
 *       line: unlike a low percentile of all voxels, it does not sink where synapses are many.
 * </ul>
 *
 * Every voxel takes the levels of its tile, and tiles are always measured whole, so a voxel's
 * levels are the same from whichever block it is seen and two blocks that see a site agree on it. A
 * tile with too little data (fewer than {@code minVoxels} voxels, or fewer than {@link #MIN_RIDGES}
 * ridge voxels) has no levels ({@link Double#NaN}).
 */
public final class GreyLevels {
  /** Fewest ridge voxels for a tile's membrane level. */
  public static final int MIN_RIDGES = 100;

  /** A ridge's dark structure is thinner than this (px) in x or y, or along a diagonal. */
  static final int THIN = 3;

  private final int tile;
  private final Box box;
  private final int tilesX;
  private final int tilesY;
  private final double[] dark;
  private final double[] bright;
  private final double[] membrane;

  private GreyLevels(
      int tile,
      Box box,
      int tilesX,
      int tilesY,
      double[] dark,
      double[] bright,
      double[] membrane) {
    this.tile = tile;
    this.box = box;
    this.tilesX = tilesX;
    this.tilesY = tilesY;
    this.dark = dark;
    this.bright = bright;
    this.membrane = membrane;
  }

  /**
   * The box of whole tiles (clipped to the volume) that covers {@code region}: what {@link #of}
   * must be given.
   */
  public static Box tilesCovering(Box region, Vec3 volume, int tile) {
    long x0 = region.start().x() / tile * tile;
    long y0 = region.start().y() / tile * tile;
    long x1 = Math.min(volume.x(), (region.end().x() + tile - 1) / tile * tile);
    long y1 = Math.min(volume.y(), (region.end().y() + tile - 1) / tile * tile);
    return new Box(new Vec3(x0, y0, region.start().z()), new Vec3(x1, y1, region.end().z()));
  }

  /**
   * How levels are measured.
   *
   * @param tile tile side, voxels
   * @param minValid grey level below which a voxel has no data
   * @param minVoxels fewest voxels with data for a tile to have levels
   * @param darkPercentile percentile of {@code dark}
   * @param brightPercentile percentile of {@code bright}
   * @param darkFraction the dark mask is {@code smoothed < dark + darkFraction (bright - dark)}
   * @param smoothing Gaussian sigma (px) of the smoothing, as the detector's
   */
  public record Settings(
      int tile,
      int minValid,
      int minVoxels,
      double darkPercentile,
      double brightPercentile,
      double darkFraction,
      double smoothing) {
    static Settings of(DetectParams p, int minVoxels) {
      return new Settings(
          p.levelTile(),
          p.minValid(),
          minVoxels,
          p.darkPercentile(),
          p.brightPercentile(),
          p.darkFraction(),
          p.smoothing());
    }
  }

  /**
   * Levels of the tiles of {@code image}, which covers {@code box} (whole tiles, from {@link
   * #tilesCovering}).
   */
  public static GreyLevels of(Box box, ByteVolume image, Settings s) {
    Histograms h = new Histograms(box, s);
    h.add(box, image);
    h.percentiles();
    h.addRidges(box, image);
    return h.levels();
  }

  /**
   * Levels of the tiles covering {@code box} in scale 0 of an image volume, read chunk by chunk so
   * that only one chunk is in memory at a time (twice: the ridges need the dark mask's level
   * first). Ridges are looked for within each chunk, so the result depends on the volume's chunk
   * grid, which is fixed, not on the caller.
   */
  public static GreyLevels measure(PrecomputedVolume volume, Box box, Settings s)
      throws IOException {
    return measure(volume, box, s, new Cache());
  }

  /**
   * As {@link #measure(PrecomputedVolume, Box, Settings)}, tile by tile, taking the tiles' levels
   * from {@code cache} when it has them for every section of the box, and keeping those it measures
   * there: the blocks of a task share tiles, and a tile's levels do not depend on who measures
   * them.
   */
  public static GreyLevels measure(PrecomputedVolume volume, Box box, Settings s, Cache cache)
      throws IOException {
    if (box.start().x() % s.tile() != 0 || box.start().y() % s.tile() != 0) {
      throw new IllegalArgumentException(
          "grey level tiles start on the tile grid, not at " + box.chunkName());
    }
    int tx = (int) ((box.size().x() + s.tile() - 1) / s.tile());
    int ty = (int) ((box.size().y() + s.tile() - 1) / s.tile());
    int nz = (int) box.size().z();
    double[] dark = new double[tx * ty * nz];
    double[] bright = new double[tx * ty * nz];
    double[] membrane = new double[tx * ty * nz];
    for (int j = 0; j < ty; j++) {
      for (int i = 0; i < tx; i++) {
        long x0 = box.start().x() + (long) i * s.tile();
        long y0 = box.start().y() + (long) j * s.tile();
        boolean known = true;
        for (long z = box.start().z(); z < box.end().z() && known; z++) {
          known = cache.levels.containsKey(Cache.key(x0, y0, z, s));
        }
        if (!known) {
          Box one =
              new Box(
                  new Vec3(x0, y0, box.start().z()),
                  new Vec3(
                      Math.min(box.end().x(), x0 + s.tile()),
                      Math.min(box.end().y(), y0 + s.tile()),
                      box.end().z()));
          GreyLevels g = measureWhole(volume, one, s);
          for (long z = box.start().z(); z < box.end().z(); z++) {
            cache.levels.put(
                Cache.key(x0, y0, z, s),
                new double[] {g.dark(x0, y0, z), g.bright(x0, y0, z), g.membrane(x0, y0, z)});
          }
        }
        for (long z = box.start().z(); z < box.end().z(); z++) {
          double[] l = cache.levels.get(Cache.key(x0, y0, z, s));
          int at = (int) ((z - box.start().z()) * ty + j) * tx + i;
          dark[at] = l[0];
          bright[at] = l[1];
          membrane[at] = l[2];
        }
      }
    }
    return new GreyLevels(s.tile(), box, tx, ty, dark, bright, membrane);
  }

  /** Levels of tiles already measured, by tile origin, section and settings. */
  public static final class Cache {
    private final java.util.Map<String, double[]> levels = new java.util.HashMap<>();

    static String key(long x0, long y0, long z, Settings s) {
      return x0 + "_" + y0 + "_" + z + "_" + s;
    }
  }

  private static GreyLevels measureWhole(PrecomputedVolume volume, Box box, Settings s)
      throws IOException {
    Histograms h = new Histograms(box, s);
    List<Box> parts = new ArrayList<>();
    for (Box chunk : volume.grid(0).chunksIntersecting(box)) {
      parts.add(
          new Box(
              new Vec3(
                  Math.max(chunk.start().x(), box.start().x()),
                  Math.max(chunk.start().y(), box.start().y()),
                  Math.max(chunk.start().z(), box.start().z())),
              new Vec3(
                  Math.min(chunk.end().x(), box.end().x()),
                  Math.min(chunk.end().y(), box.end().y()),
                  Math.min(chunk.end().z(), box.end().z()))));
    }
    for (Box part : parts) {
      h.add(part, volume.readImage(0, part));
    }
    h.percentiles();
    for (Box part : parts) {
      h.addRidges(part, volume.readImage(0, part));
    }
    return h.levels();
  }

  /** Grey level histograms per section and tile. */
  private static final class Histograms {
    final Box box;
    final Settings s;
    final int tx;
    final int ty;
    final int nz;
    final int[][] hist;
    final int[] count;
    final int[][] ridges;
    final int[] ridgeCount;
    double[] dark;
    double[] bright;

    Histograms(Box box, Settings s) {
      if (box.start().x() % s.tile() != 0 || box.start().y() % s.tile() != 0) {
        throw new IllegalArgumentException(
            "grey level tiles start on the tile grid, not at " + box.chunkName());
      }
      this.box = box;
      this.s = s;
      tx = (int) ((box.size().x() + s.tile() - 1) / s.tile());
      ty = (int) ((box.size().y() + s.tile() - 1) / s.tile());
      nz = (int) box.size().z();
      hist = new int[tx * ty * nz][256];
      count = new int[tx * ty * nz];
      ridges = new int[tx * ty * nz][256];
      ridgeCount = new int[tx * ty * nz];
    }

    int tileOf(Box part, int x, int y, int z) {
      int i = (int) ((part.start().x() + x - box.start().x()) / s.tile());
      int j = (int) ((part.start().y() + y - box.start().y()) / s.tile());
      int k = (int) (part.start().z() + z - box.start().z());
      return (k * ty + j) * tx + i;
    }

    /** Adds the voxels of {@code data}, which holds the part {@code part} of the box. */
    void add(Box part, ByteVolume data) {
      int nx = data.sx();
      int ny = data.sy();
      byte[] d = data.data();
      for (int z = 0; z < data.sz(); z++) {
        for (int y = 0; y < ny; y++) {
          int row = (z * ny + y) * nx;
          for (int x = 0; x < nx; x++) {
            int v = d[row + x] & 0xff;
            // blending with the black outside a montage only darkens: only dark voxels need the
            // neighbour check
            if (v >= s.minValid() && (v >= 128 || hasData(d, nx, ny, z, x, y, s.minValid()))) {
              int at = tileOf(part, x, y, z);
              hist[at][v]++;
              count[at]++;
            }
          }
        }
      }
    }

    void percentiles() {
      dark = new double[hist.length];
      bright = new double[hist.length];
      for (int at = 0; at < hist.length; at++) {
        dark[at] =
            count[at] < s.minVoxels()
                ? Double.NaN
                : percentile(hist[at], count[at], s.darkPercentile());
        bright[at] =
            count[at] < s.minVoxels()
                ? Double.NaN
                : percentile(hist[at], count[at], s.brightPercentile());
      }
    }

    /**
     * Adds the raw grey of the membrane ridges of {@code data} to their tiles' ridge histograms.
     */
    void addRidges(Box part, ByteVolume data) {
      int nx = data.sx();
      int ny = data.sy();
      byte[] d = data.data();
      float[] g = new float[nx * ny];
      for (int z = 0; z < data.sz(); z++) {
        Smoothing.gaussian(d, z * nx * ny, nx, ny, s.smoothing(), g);
        for (int y = 1; y < ny - 1; y++) {
          for (int x = 1; x < nx - 1; x++) {
            int at = tileOf(part, x, y, z);
            // halfway between membrane cores and cytoplasm: a sharp membrane, thin and light once
            // smoothed, counts
            double t = 0.5 * (dark[at] + bright[at]);
            float v = g[y * nx + x];
            // NaN levels compare false: no ridges in a tile without levels
            if (!(v < t) || (d[(z * ny + y) * nx + x] & 0xff) < s.minValid()) {
              continue;
            }
            if (isRidge(g, nx, ny, x, y, t) && hasData(d, nx, ny, z, x, y, s.minValid())) {
              ridges[at][d[(z * ny + y) * nx + x] & 0xff]++;
              ridgeCount[at]++;
            }
          }
        }
      }
    }

    GreyLevels levels() {
      double[] membrane = new double[hist.length];
      for (int at = 0; at < hist.length; at++) {
        membrane[at] =
            Double.isNaN(dark[at]) || ridgeCount[at] < MIN_RIDGES
                ? Double.NaN
                : percentile(ridges[at], ridgeCount[at], 50);
      }
      return new GreyLevels(s.tile(), box, tx, ty, dark, bright, membrane);
    }
  }

  /**
   * A ridge: the darkest voxel of its 3 x 3 neighbourhood, on a dark structure that is light again
   * {@link #THIN} px away on both sides in some direction (x, y or a diagonal): a membrane, not a
   * thick band.
   */
  static boolean isRidge(float[] g, int nx, int ny, int x, int y, double t) {
    float v = g[y * nx + x];
    for (int dy = -1; dy <= 1; dy++) {
      for (int dx = -1; dx <= 1; dx++) {
        if (g[(y + dy) * nx + x + dx] < v) {
          return false;
        }
      }
    }
    int[][] dirs = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};
    for (int[] dir : dirs) {
      int x1 = x + THIN * dir[0];
      int y1 = y + THIN * dir[1];
      int x2 = x - THIN * dir[0];
      int y2 = y - THIN * dir[1];
      if (x1 < 0 || x2 < 0 || y1 < 0 || y2 < 0 || x1 >= nx || x2 >= nx || y1 >= ny || y2 >= ny) {
        continue;
      }
      if (g[y1 * nx + x1] >= t && g[y2 * nx + x2] >= t) {
        return true;
      }
    }
    return false;
  }

  /** Levels that are the same everywhere (tests, or a volume with known levels). */
  public static GreyLevels constant(Box box, double dark, double bright, double membrane) {
    int nz = (int) box.size().z();
    double[] dk = new double[nz];
    double[] br = new double[nz];
    double[] mb = new double[nz];
    java.util.Arrays.fill(dk, dark);
    java.util.Arrays.fill(br, bright);
    java.util.Arrays.fill(mb, membrane);
    // one tile larger than any volume
    return new GreyLevels(
        1 << 30, new Box(new Vec3(0, 0, box.start().z()), box.end()), 1, 1, dk, br, mb);
  }

  /**
   * Whether the voxel and the voxels 2 away (8 directions, within the data given) have data: where
   * a section's montage ends, rendering blends the image with the black outside, and those voxels
   * would pass for membranes.
   */
  private static boolean hasData(byte[] d, int nx, int ny, int z, int x, int y, int minValid) {
    for (int dy = -2; dy <= 2; dy += 2) {
      for (int dx = -2; dx <= 2; dx += 2) {
        int xx = x + dx;
        int yy = y + dy;
        if (xx >= 0
            && yy >= 0
            && xx < nx
            && yy < ny
            && (d[(z * ny + yy) * nx + xx] & 0xff) < minValid) {
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
    if (i < 0
        || j < 0
        || k < 0
        || i >= tilesX
        || j >= tilesY
        || x < box.start().x()
        || y < box.start().y()) {
      throw new IllegalArgumentException(
          "voxel " + x + ", " + y + ", " + z + " outside the grey level tiles " + box.chunkName());
    }
    return (k * tilesY + j) * tilesX + i;
  }

  /**
   * The membrane-core percentile of voxel (x, y, z) (volume coordinates), NaN where its tile has no
   * levels.
   */
  public double dark(long x, long y, long z) {
    return dark[index(x, y, z)];
  }

  /** The cytoplasm level of voxel (x, y, z). */
  public double bright(long x, long y, long z) {
    return bright[index(x, y, z)];
  }

  /** The thin membranes' grey around voxel (x, y, z): what a cleft is darker than. */
  public double membrane(long x, long y, long z) {
    return membrane[index(x, y, z)];
  }

  /**
   * The tile's contrast around voxel (x, y, z): cytoplasm above thin membranes ({@code bright -
   * membrane}), the unit of the detector's darkness thresholds, so that they follow the stain and
   * the detector's gain rather than one image's grey levels. NaN where the tile has no levels.
   */
  public double contrast(long x, long y, long z) {
    int i = index(x, y, z);
    return bright[i] - membrane[i];
  }

  /** Tile size, voxels. */
  public int tile() {
    return tile;
  }

  /** A percentile of a histogram: the grey level of the {@code pct}-th percentile voxel. */
  static double percentile(int[] hist, int n, double pct) {
    double target = pct / 100.0 * (n - 1);
    long seen = 0;
    for (int v = 0; v < hist.length; v++) {
      if (hist[v] == 0) {
        continue;
      }
      if (seen + hist[v] > target) {
        return v;
      }
      seen += hist[v];
    }
    return hist.length - 1;
  }
}
