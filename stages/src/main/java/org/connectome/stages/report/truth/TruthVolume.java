package org.connectome.stages.report.truth;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Json;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.align.Rigid;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.report.ReportContext;
import org.connectome.stages.report.StitchedSections;
import org.connectome.stages.report.TruthFiles;

/**
 * The simulator's ground truth seen from a run's aligned volume, so that segmentation and synapses
 * can be scored voxel by voxel.
 *
 * <p>The run's aligned frame and the truth's aligned frame (section 1's frame) differ by whatever
 * rigid transform the alignment chose, and each plane of the run went through its own chain:
 * aligned point {@code --solve^-1-->} montage of section {@code z} {@code --+offset-->} section
 * frame (the stitching's mean offset between solved and true tile positions) {@code --truth-->}
 * truth aligned frame. Mapping every plane through its own chain, rather than one global transform,
 * scores what a reader of the run sees: a voxel's truth label is the label of the tissue that voxel
 * shows.
 */
public final class TruthVolume {
  private final TruthFiles truth;
  private final Path labelPattern;
  private final int truthWidth;
  private final int truthHeight;
  private final int width;
  private final int height;
  private final int depth;
  private final Plane[] planes;
  private final Map<Integer, Integer> runZOfTruthZ = new HashMap<>();
  private int cachedTruthZ = -1;
  private int[] cachedTruthPlane;

  /** One run plane: its montage transform, stitching offset, truth section and tile footprints. */
  private record Plane(
      Rigid toAligned,
      Rigid toMontage,
      double offsetX,
      double offsetY,
      TruthFiles.Section truth,
      List<StitchedSections.Tile> tiles,
      int tileWidth,
      int tileHeight) {}

  private TruthVolume(
      TruthFiles truth,
      Path labelPattern,
      int truthWidth,
      int truthHeight,
      int width,
      int height,
      int depth,
      Plane[] planes) {
    this.truth = truth;
    this.labelPattern = labelPattern;
    this.truthWidth = truthWidth;
    this.truthHeight = truthHeight;
    this.width = width;
    this.height = height;
    this.depth = depth;
    this.planes = planes;
    for (int z = 0; z < depth; z++) {
      if (planes[z] != null) {
        runZOfTruthZ.put(planes[z].truth().z(), z);
      }
    }
  }

  /**
   * The ground truth of a run, or empty when the run has no ground truth with a label volume, no
   * stitching output or no alignment solve yet.
   */
  public static Optional<TruthVolume> load(ReportContext ctx) throws IOException {
    Optional<TruthFiles> tf = ctx.truth();
    Path transforms = ctx.stepOutput("align", "solve").resolve("transforms.json");
    Path volumeFact = ctx.runDir().resolve("facts/volume.json");
    if (tf.isEmpty() || !Files.isRegularFile(transforms) || !Files.isRegularFile(volumeFact)) {
      return Optional.empty();
    }
    JsonNode gv = Json.mapper().readTree(ctx.groundTruth().resolve("volume.json").toFile());
    JsonNode labels = gv.path("labels");
    if (!labels.hasNonNull("files") || !"uint32".equals(labels.path("dataType").asText("uint32"))) {
      return Optional.empty();
    }
    Path pattern = ctx.groundTruth().resolve(labels.get("files").asText());
    JsonNode v = Json.mapper().readTree(volumeFact.toFile());
    int w = v.path("x").asInt();
    int h = v.path("y").asInt();
    int d = v.path("z").asInt();
    Map<Integer, Rigid> solved = new HashMap<>();
    for (JsonNode s : Json.mapper().readTree(transforms.toFile()).path("sections")) {
      solved.put(
          s.path("section").asInt(),
          new Rigid(
              s.path("thetaDeg").asDouble(), s.path("tx").asDouble(), s.path("ty").asDouble()));
    }
    Plane[] planes = new Plane[d];
    for (StitchedSections.Section s : StitchedSections.read(ctx, tf.get())) {
      Rigid r = solved.get(s.unit());
      if (r == null || s.truth() == null || Double.isNaN(s.offsetX()) || s.unit() >= d) {
        continue;
      }
      planes[s.unit()] =
          new Plane(
              r,
              r.inverse(),
              s.offsetX(),
              s.offsetY(),
              s.truth(),
              s.tiles(),
              s.tileWidth(),
              s.tileHeight());
    }
    return Optional.of(
        new TruthVolume(tf.get(), pattern, tf.get().width(), tf.get().height(), w, h, d, planes));
  }

  /** Width of the run's aligned volume, voxels. */
  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public int depth() {
    return depth;
  }

  /**
   * Whether run plane {@code z} maps to the truth (its section was stitched, aligned and found in
   * the truth).
   */
  public boolean hasPlane(int z) {
    return z >= 0 && z < depth && planes[z] != null;
  }

  /**
   * Whether run voxel {@code (x, y)} of plane {@code z} shows imaged tissue (inside a stitched
   * tile).
   */
  public boolean covered(int z, int x, int y) {
    if (!hasPlane(z)) {
      return false;
    }
    Plane p = planes[z];
    double[] m = p.toMontage().apply(x, y);
    return inTile(p, m[0], m[1]);
  }

  private static boolean inTile(Plane p, double u, double v) {
    return p.tileWidth() <= 0 || tileAt(p, u, v, 0) >= 0;
  }

  /**
   * The index of a tile of {@code p} that holds montage point (u, v), or -1; tile {@code hint} (the
   * last one found: neighbouring voxels mostly share a tile) is tried first.
   */
  private static int tileAt(Plane p, double u, double v, int hint) {
    List<StitchedSections.Tile> tiles = p.tiles();
    if (hint >= 0 && hint < tiles.size() && holds(p, tiles.get(hint), u, v)) {
      return hint;
    }
    for (int i = 0; i < tiles.size(); i++) {
      if (holds(p, tiles.get(i), u, v)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean holds(Plane p, StitchedSections.Tile t, double u, double v) {
    return u >= t.x() - 0.5
        && v >= t.y() - 0.5
        && u <= t.x() + p.tileWidth() - 0.5
        && v <= t.y() + p.tileHeight() - 0.5;
  }

  /**
   * Run aligned point of plane {@code z} to the truth aligned frame: {x, y, truth plane}; null
   * without a plane.
   */
  public double[] toTruth(int z, double x, double y) {
    if (!hasPlane(z)) {
      return null;
    }
    Plane p = planes[z];
    double[] m = p.toMontage().apply(x, y);
    double[] a = truth.toAligned(p.truth(), m[0] + p.offsetX(), m[1] + p.offsetY());
    return new double[] {a[0], a[1], p.truth().z()};
  }

  /**
   * Truth aligned point of truth plane {@code z} to the run's aligned frame: {x, y, run plane}, or
   * null.
   */
  public double[] fromTruth(double x, double y, int z) {
    Integer rz = runZOfTruthZ.get(z);
    if (rz == null) {
      return null;
    }
    Plane p = planes[rz];
    double[] s = truth.toSection(p.truth(), x, y);
    double[] a = p.toAligned().apply(s[0] - p.offsetX(), s[1] - p.offsetY());
    return new double[] {a[0], a[1], rz};
  }

  /**
   * The truth cell id of every voxel of run plane {@code z} (x fastest, {@code width * height}), by
   * nearest neighbour through {@link #toTruth}; 0 where the voxel is not {@link #covered} or maps
   * outside the truth.
   */
  public int[] truthLabels(int z) throws IOException {
    int[] out = new int[width * height];
    if (!hasPlane(z)) {
      return out;
    }
    Plane p = planes[z];
    int[] labels = truthPlane(p.truth().z());
    double c = Math.cos(p.toMontage().theta());
    double s = Math.sin(p.toMontage().theta());
    double dx = p.toMontage().dx();
    double dy = p.toMontage().dy();
    TruthFiles.SectionToAligned toAligned = truth.toAligned(p.truth());
    boolean anywhere = p.tileWidth() <= 0;
    int tile = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double u = c * x - s * y + dx;
        double v = s * x + c * y + dy;
        if (!anywhere) {
          int at = tileAt(p, u, v, tile);
          if (at < 0) {
            continue;
          }
          tile = at;
        }
        double sx = u + p.offsetX();
        double sy = v + p.offsetY();
        long tx = Math.round(toAligned.x(sx, sy));
        long ty = Math.round(toAligned.y(sx, sy));
        if (tx >= 0 && ty >= 0 && tx < truthWidth && ty < truthHeight) {
          out[y * width + x] = labels[(int) (ty * truthWidth + tx)];
        }
      }
    }
    return out;
  }

  /**
   * Receives one imaged voxel of a segmentation: its segment id (0: unsegmented) and its truth
   * cell.
   */
  @FunctionalInterface
  public interface VoxelPair {
    void accept(long segment, int cell);
  }

  /**
   * Walks every imaged voxel (truth cell not 0) of a segmentation in this run's frame ({@code seg}
   * at scale 0, the part both cover), slab by slab of whole chunks: each chunk is decoded once and
   * each plane mapped to the truth once. What the segmentation and synapse scores count their
   * (segment, cell) overlaps with.
   */
  public void overlap(PrecomputedVolume seg, VoxelPair sink) throws IOException {
    long[] size = seg.info().scale(0).size();
    int w = (int) Math.min(size[0], width);
    int h = (int) Math.min(size[1], height);
    int d = (int) Math.min(size[2], depth);
    int slab = Math.max(1, seg.info().scale(0).chunkSize()[2]);
    for (int z0 = 0; z0 < d; z0 += slab) {
      int z1 = Math.min(d, z0 + slab);
      LabelVolume labels = seg.readLabels(0, new Box(new Vec3(0, 0, z0), new Vec3(w, h, z1)));
      long[] l = labels.data();
      for (int z = z0; z < z1; z++) {
        if (!hasPlane(z)) {
          continue;
        }
        int[] t = truthLabels(z);
        int at = (z - z0) * w * h;
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int cell = t[y * width + x];
            if (cell != 0) {
              sink.accept(l[at + y * w + x], cell);
            }
          }
        }
      }
    }
  }

  /** The truth label plane {@code z} in the truth frame (x fastest), read from {@code labels/}. */
  public synchronized int[] truthPlane(int z) throws IOException {
    if (z == cachedTruthZ) {
      return cachedTruthPlane;
    }
    String name = String.format(Locale.ROOT, labelPattern.getFileName().toString(), z);
    Path raw = labelPattern.resolveSibling(name);
    Path gz = labelPattern.resolveSibling(name + ".gz");
    byte[] bytes;
    if (Files.isRegularFile(raw)) {
      bytes = Files.readAllBytes(raw);
    } else if (Files.isRegularFile(gz)) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
        bytes = in.readAllBytes();
      }
    } else {
      throw new IOException("ground-truth label plane " + raw + " is missing");
    }
    long expected = 4L * truthWidth * truthHeight;
    if (bytes.length != expected) {
      throw new IOException(
          raw
              + ": "
              + bytes.length
              + " bytes, expected "
              + expected
              + " (uint32, "
              + truthWidth
              + " x "
              + truthHeight
              + ")");
    }
    int[] plane = new int[truthWidth * truthHeight];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(plane);
    cachedTruthZ = z;
    cachedTruthPlane = plane;
    return plane;
  }

  /** The truth files (sections, tiles, frames). */
  public TruthFiles truthFiles() {
    return truth;
  }
}
