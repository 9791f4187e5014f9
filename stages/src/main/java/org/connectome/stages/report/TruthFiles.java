package org.connectome.stages.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.connectome.pipeline.Json;

/**
 * The simulator's ground truth as far as scoring stitching and alignment needs it ({@code
 * volume.json}, {@code sections.tsv}, {@code tiles.tsv}; frames as its README defines them), read
 * with no dependency on the simulator.
 */
public final class TruthFiles {
  /**
   * A row of sections.tsv: the aligned-to-section transform {@code s = R(theta)(a - c) + c + d}.
   */
  public record Section(
      int section, int z, String folder, double driftX, double driftY, double rotationDeg) {}

  /** A row of tiles.tsv (true top-left in the section frame). */
  public record Tile(int section, int mfov, int beam, String status, double trueX, double trueY) {}

  private static final Map<Path, TruthFiles> CACHE = new ConcurrentHashMap<>();

  private final int width;
  private final int height;
  private final double cx;
  private final double cy;
  private final Map<String, Section> sectionsByFolder = new HashMap<>();
  private final List<Section> sections = new ArrayList<>();
  private final Map<String, Tile> tiles = new HashMap<>();

  private TruthFiles(Path dir) throws IOException {
    JsonNode v = Json.mapper().readTree(dir.resolve("volume.json").toFile());
    width = v.path("volume").path("width").asInt();
    height = v.path("volume").path("height").asInt();
    JsonNode c = v.path("tiling").path("rotationCentre");
    cx = c.isArray() ? c.get(0).asDouble() : (width - 1) / 2.0;
    cy = c.isArray() ? c.get(1).asDouble() : (height - 1) / 2.0;
    for (Map<String, String> r : tsv(dir.resolve("sections.tsv"))) {
      Section s =
          new Section(
              Integer.parseInt(r.get("section")),
              Integer.parseInt(r.get("z")),
              r.get("folder"),
              Double.parseDouble(r.get("drift_x")),
              Double.parseDouble(r.get("drift_y")),
              Double.parseDouble(r.get("rotation_deg")));
      sections.add(s);
      sectionsByFolder.put(s.folder(), s);
    }
    for (Map<String, String> r : tsv(dir.resolve("tiles.tsv"))) {
      String status = r.get("status");
      if (!status.equals("ok") && !status.equals("reimaged")) {
        continue;
      }
      Tile t =
          new Tile(
              Integer.parseInt(r.get("section")),
              Integer.parseInt(r.get("mfov")),
              Integer.parseInt(r.get("beam")),
              status,
              Double.parseDouble(r.get("true_x")),
              Double.parseDouble(r.get("true_y")));
      tiles.put(t.section() + "/" + t.mfov() + "/" + t.beam(), t);
    }
  }

  public static TruthFiles load(Path dir) throws IOException {
    Path key = dir.toAbsolutePath().normalize();
    TruthFiles t = CACHE.get(key);
    if (t == null) {
      t = new TruthFiles(key);
      CACHE.put(key, t);
    }
    return t;
  }

  static List<Map<String, String>> tsv(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Map<String, String>> out = new ArrayList<>();
    if (lines.isEmpty()) {
      return out;
    }
    String[] head = lines.get(0).split("\t");
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      String[] f = lines.get(i).split("\t", -1);
      Map<String, String> m = new HashMap<>();
      for (int j = 0; j < head.length && j < f.length; j++) {
        m.put(head[j], f[j]);
      }
      out.add(m);
    }
    return out;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public List<Section> sections() {
    return sections;
  }

  public Section section(String folder) {
    return sectionsByFolder.get(folder);
  }

  /** The good tile (ok or re-imaged) of a section number, mFoV and beam, or null. */
  public Tile tile(int section, int mfov, int beam) {
    return tiles.get(section + "/" + mfov + "/" + beam);
  }

  /**
   * Aligned-volume point (section 1's frame) to section {@code s}'s frame: {@code R(theta)(a - c) +
   * c + d}.
   */
  public double[] toSection(Section s, double x, double y) {
    double t = Math.toRadians(s.rotationDeg());
    double ax = x - cx;
    double ay = y - cy;
    return new double[] {
      cx + Math.cos(t) * ax - Math.sin(t) * ay + s.driftX(),
      cy + Math.sin(t) * ax + Math.cos(t) * ay + s.driftY()
    };
  }

  /** Section-frame point of section {@code s} to the aligned volume (section 1's frame). */
  public double[] toAligned(Section s, double x, double y) {
    SectionToAligned f = toAligned(s);
    return new double[] {f.x(x, y), f.y(x, y)};
  }

  /**
   * {@link #toAligned(Section, double, double)} of one section with its angle's sine and cosine
   * computed once: what a walk over every voxel of a plane uses (the same figures, bit for bit).
   */
  public SectionToAligned toAligned(Section s) {
    double t = Math.toRadians(s.rotationDeg());
    return new SectionToAligned(cx, cy, s.driftX(), s.driftY(), Math.cos(t), Math.sin(t));
  }

  /** A section's frame to the aligned volume: {@code R(-theta)(p - c - d) + c}. */
  public record SectionToAligned(
      double cx, double cy, double driftX, double driftY, double cos, double sin) {
    public double x(double x, double y) {
      return cx + cos * (x - cx - driftX) + sin * (y - cy - driftY);
    }

    public double y(double x, double y) {
      return cy - sin * (x - cx - driftX) + cos * (y - cy - driftY);
    }
  }
}
