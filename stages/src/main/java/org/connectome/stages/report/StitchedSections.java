package org.connectome.stages.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.connectome.acquisition.SectionFolder;
import org.connectome.pipeline.Json;

/**
 * The stitched sections of a run ({@code stages/stitch/stitch/output/s<iiii>/}), matched to the
 * ground truth: for each, its tiles' solved positions against their true ones, and the translation
 * between the montage frame and the section frame (the mean difference, which the stitching error
 * leaves out since frames differ by an offset).
 */
public final class StitchedSections {
  /**
   * A tile: solved top-left in the montage, true top-left in the section frame (NaN when
   * unmatched).
   */
  public record Tile(int mfov, int beam, double x, double y, double trueX, double trueY) {}

  /**
   * @param unit section unit index
   * @param folder section folder name, or null when unknown
   * @param truth the ground-truth section, or null
   * @param tiles the tiles
   * @param offsetX mean (true - solved) x: section frame = montage frame + offset
   * @param offsetY mean (true - solved) y
   * @param tileWidth tile width (0 when unknown)
   * @param tileHeight tile height
   * @param width montage width
   * @param height montage height
   * @param qc the section's qc.json, or null
   */
  public record Section(
      int unit,
      String folder,
      TruthFiles.Section truth,
      List<Tile> tiles,
      double offsetX,
      double offsetY,
      int tileWidth,
      int tileHeight,
      int width,
      int height,
      JsonNode qc) {
    public int matched() {
      return (int) tiles.stream().filter(t -> !Double.isNaN(t.trueX())).count();
    }
  }

  private StitchedSections() {}

  public static List<Section> read(ReportContext ctx, TruthFiles truth) throws IOException {
    Path out = ctx.stepOutput("stitch", "stitch");
    List<Section> result = new ArrayList<>();
    if (!Files.isDirectory(out)) {
      return result;
    }
    List<SectionFolder> folders =
        ctx.acquisition() != null && Files.isDirectory(ctx.acquisition())
            ? SectionFolder.list(ctx.acquisition())
            : List.of();
    List<Path> dirs;
    try (Stream<Path> s = Files.list(out)) {
      dirs = s.filter(p -> p.getFileName().toString().matches("s\\d{4,}")).sorted().toList();
    }
    for (Path d : dirs) {
      int unit = Integer.parseInt(d.getFileName().toString().substring(1));
      JsonNode qc =
          Files.exists(d.resolve("qc.json"))
              ? Json.mapper().readTree(d.resolve("qc.json").toFile())
              : null;
      JsonNode montage =
          Files.exists(d.resolve("montage.json"))
              ? Json.mapper().readTree(d.resolve("montage.json").toFile())
              : null;
      String folder =
          montage != null && montage.hasNonNull("section")
              ? montage.get("section").asText()
              : qc != null && qc.hasNonNull("section")
                  ? qc.get("section").asText()
                  : unit < folders.size() ? folders.get(unit).name() : null;
      TruthFiles.Section ts = truth != null && folder != null ? truth.section(folder) : null;
      List<Tile> tiles = new ArrayList<>();
      Path tsv = d.resolve("tiles.tsv");
      if (Files.exists(tsv)) {
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
          if (line.isBlank() || line.startsWith("#")) {
            continue;
          }
          String[] f = line.split("\t");
          int mfov = Integer.parseInt(f[0]);
          int beam = Integer.parseInt(f[1]);
          TruthFiles.Tile tt = ts == null ? null : truth.tile(ts.section(), mfov, beam);
          tiles.add(
              new Tile(
                  mfov,
                  beam,
                  Double.parseDouble(f[3]),
                  Double.parseDouble(f[4]),
                  tt == null ? Double.NaN : tt.trueX(),
                  tt == null ? Double.NaN : tt.trueY()));
        }
      }
      double sx = 0;
      double sy = 0;
      int n = 0;
      for (Tile t : tiles) {
        if (!Double.isNaN(t.trueX())) {
          sx += t.trueX() - t.x();
          sy += t.trueY() - t.y();
          n++;
        }
      }
      int tw = montage == null ? 0 : montage.path("tileWidth").asInt(0);
      int th = montage == null ? 0 : montage.path("tileHeight").asInt(0);
      result.add(
          new Section(
              unit,
              folder,
              ts,
              tiles,
              n == 0 ? Double.NaN : sx / n,
              n == 0 ? Double.NaN : sy / n,
              tw,
              th,
              montage == null ? 0 : montage.path("width").asInt(),
              montage == null ? 0 : montage.path("height").asInt(),
              qc));
    }
    return result;
  }
}
