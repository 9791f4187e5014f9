package org.connectome.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.Image8;
import org.connectome.pipeline.Json;

/**
 * Reads a simulated acquisition's ground truth ({@code ground-truth/}, see its {@code README.md})
 * for scoring later stages: true tile positions, section transforms, labels, synapses and faults.
 */
public final class GroundTruth {
  /** A row of {@code sections.tsv}. */
  public record SectionTruth(
      int section,
      int z,
      String folder,
      double driftX,
      double driftY,
      double rotationDeg,
      double stageOriginX,
      double stageOriginY,
      boolean fullImageCoordinates,
      boolean thumbnailsOnly) {}

  /** A row of {@code tiles.tsv}. */
  public record TileTruth(
      int section,
      int mfov,
      int beam,
      String file,
      String status,
      double stageX,
      double stageY,
      double nominalX,
      double nominalY,
      double trueX,
      double trueY,
      double gain,
      double offset,
      double noise,
      String time) {}

  /**
   * A row of {@code synapses.tsv} (voxel coordinates of the aligned volume; normal in physical
   * units).
   */
  public record SynapseTruth(
      int id,
      double x,
      double y,
      int z,
      int pre,
      int post,
      double normalX,
      double normalY,
      double normalZ,
      double radius,
      int vesicles) {}

  /** A row of {@code cells.tsv}. */
  public record CellTruth(int id, String kind, double radius, boolean endsInside, long voxels) {}

  /** A row of {@code faults.tsv}. */
  public record FaultTruth(int section, String file, String kind, String detail) {}

  private final Path dir;
  private final JsonNode volume;
  private final int width;
  private final int height;
  private final int sections;
  private final double centreX;
  private final double centreY;
  private final List<SectionTruth> sectionRows;
  private final List<TileTruth> tiles;
  private final List<SynapseTruth> synapses;
  private final List<CellTruth> cells;
  private final List<FaultTruth> faults;

  private GroundTruth(Path dir) throws IOException {
    this.dir = dir;
    volume = Json.mapper().readTree(dir.resolve("volume.json").toFile());
    width = volume.path("volume").path("width").asInt();
    height = volume.path("volume").path("height").asInt();
    sections = volume.path("volume").path("sections").asInt();
    centreX = (width - 1) / 2.0;
    centreY = (height - 1) / 2.0;
    sectionRows =
        read(
            "sections.tsv",
            r ->
                new SectionTruth(
                    r.i("section"),
                    r.i("z"),
                    r.s("folder"),
                    r.d("drift_x"),
                    r.d("drift_y"),
                    r.d("rotation_deg"),
                    r.d("stage_origin_x"),
                    r.d("stage_origin_y"),
                    r.s("full_image_coordinates").equals("present"),
                    r.s("thumbnails_only").equals("yes")));
    tiles =
        read(
            "tiles.tsv",
            r ->
                new TileTruth(
                    r.i("section"),
                    r.i("mfov"),
                    r.i("beam"),
                    r.s("file"),
                    r.s("status"),
                    r.d("stage_x"),
                    r.d("stage_y"),
                    r.d("nominal_x"),
                    r.d("nominal_y"),
                    r.d("true_x"),
                    r.d("true_y"),
                    r.d("gain"),
                    r.d("offset"),
                    r.d("noise"),
                    r.s("time")));
    synapses =
        read(
            "synapses.tsv",
            r ->
                new SynapseTruth(
                    r.i("id"),
                    r.d("x"),
                    r.d("y"),
                    r.i("z"),
                    r.i("pre"),
                    r.i("post"),
                    r.d("normal_x"),
                    r.d("normal_y"),
                    r.d("normal_z"),
                    r.d("radius"),
                    r.i("vesicles")));
    cells =
        read(
            "cells.tsv",
            r ->
                new CellTruth(
                    r.i("id"),
                    r.s("kind"),
                    r.d("radius"),
                    r.s("ends_inside").equals("yes"),
                    Long.parseLong(r.s("voxels"))));
    faults =
        read(
            "faults.tsv",
            r -> new FaultTruth(r.i("section"), r.s("file"), r.s("kind"), r.s("detail")));
  }

  /** Loads the ground truth in {@code dir} (the {@code ground-truth} folder). */
  public static GroundTruth load(Path dir) throws IOException {
    return new GroundTruth(dir);
  }

  public Path dir() {
    return dir;
  }

  /** {@code volume.json}. */
  public JsonNode volumeJson() {
    return volume;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public int sections() {
    return sections;
  }

  public List<SectionTruth> sectionRows() {
    return sectionRows;
  }

  public List<TileTruth> tiles() {
    return tiles;
  }

  public List<SynapseTruth> synapses() {
    return synapses;
  }

  public List<CellTruth> cells() {
    return cells;
  }

  public List<FaultTruth> faults() {
    return faults;
  }

  /** Maps aligned point (x, y) of plane {@code z} into its section frame. */
  public double[] toSection(int z, double x, double y) {
    SectionTruth s = sectionRows.get(z);
    double t = Math.toRadians(s.rotationDeg());
    double ax = x - centreX;
    double ay = y - centreY;
    return new double[] {
      centreX + Math.cos(t) * ax - Math.sin(t) * ay + s.driftX(),
      centreY + Math.sin(t) * ax + Math.cos(t) * ay + s.driftY()
    };
  }

  /** Maps section-frame point (x, y) of plane {@code z} into the aligned volume. */
  public double[] toAligned(int z, double x, double y) {
    SectionTruth s = sectionRows.get(z);
    double t = Math.toRadians(s.rotationDeg());
    double sx = x - centreX - s.driftX();
    double sy = y - centreY - s.driftY();
    return new double[] {
      centreX + Math.cos(t) * sx + Math.sin(t) * sy, centreY - Math.sin(t) * sx + Math.cos(t) * sy
    };
  }

  /** The labels of plane {@code z}: {@code width * height} cell ids, x fastest. */
  public int[] labels(int z) throws IOException {
    Path raw = dir.resolve("labels").resolve(String.format(Locale.ROOT, "z%04d.raw", z));
    Path gz = dir.resolve("labels").resolve(String.format(Locale.ROOT, "z%04d.raw.gz", z));
    byte[] bytes;
    if (Files.exists(raw)) {
      bytes = Files.readAllBytes(raw);
    } else if (Files.exists(gz)) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
        bytes = in.readAllBytes();
      }
    } else {
      throw new IOException(
          "no labels for plane "
              + z
              + " in "
              + dir.resolve("labels")
              + " (the acquisition may have been generated with labels NONE)");
    }
    if (bytes.length != 4L * width * height) {
      throw new IOException(raw + ": " + bytes.length + " bytes, expected " + 4L * width * height);
    }
    int[] out = new int[width * height];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
    return out;
  }

  /** The noise-free image of plane {@code z} in the aligned frame (if it was written). */
  public Image8 sectionImage(int z) throws IOException {
    return Bmp.read8(dir.resolve("images").resolve(String.format(Locale.ROOT, "z%04d.bmp", z)));
  }

  private static final class Row {
    final Map<String, Integer> columns;
    final String[] cells;
    final String where;

    Row(Map<String, Integer> columns, String[] cells, String where) {
      this.columns = columns;
      this.cells = cells;
      this.where = where;
    }

    String s(String column) {
      Integer i = columns.get(column);
      if (i == null) {
        throw new IllegalArgumentException(where + ": no column '" + column + "'");
      }
      return i < cells.length ? cells[i] : "";
    }

    int i(String column) {
      return Integer.parseInt(s(column));
    }

    double d(String column) {
      return Double.parseDouble(s(column));
    }
  }

  private <T> List<T> read(String file, Function<Row, T> parse) throws IOException {
    List<String> lines = Files.readAllLines(dir.resolve(file), StandardCharsets.UTF_8);
    Map<String, Integer> columns = new HashMap<>();
    String[] header = lines.get(0).split("\t", -1);
    for (int i = 0; i < header.length; i++) {
      columns.put(header[i], i);
    }
    List<T> out = new ArrayList<>();
    for (int n = 1; n < lines.size(); n++) {
      if (!lines.get(n).isEmpty()) {
        out.add(parse.apply(new Row(columns, lines.get(n).split("\t", -1), file + ":" + (n + 1))));
      }
    }
    return List.copyOf(out);
  }
}
