package org.connectome.stages.align;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.connectome.imaging.Bmp;
import org.connectome.pipeline.Json;

/**
 * A stitched section as {@code stitch.stitch} writes it ({@code output/s<iiii>/montage.raw,
 * montage.json, tiles.tsv}): its geometry and its tiles' solved positions; {@link MontageFile}
 * reads its pixels by window.
 *
 * @param width columns
 * @param height rows
 * @param originX stage x of pixel (0, 0)
 * @param originY stage y of pixel (0, 0)
 * @param tiles solved top-left positions of the tiles in montage pixels ({@code x, y} per tile)
 * @param tileWidth tile width
 * @param tileHeight tile height
 */
public record SectionMontage(
    int width,
    int height,
    double originX,
    double originY,
    List<double[]> tiles,
    int tileWidth,
    int tileHeight) {

  /** The stitch output folder of section unit {@code z}. */
  public static Path dir(Path runDir, int z) {
    return runDir
        .resolve("stages")
        .resolve("stitch")
        .resolve("stitch")
        .resolve("output")
        .resolve(String.format("s%04d", z));
  }

  /** Reads a montage folder's geometry. */
  public static SectionMontage read(Path dir) throws IOException {
    Path json = dir.resolve("montage.json");
    if (!Files.exists(json)) {
      throw new IOException("no stitched montage " + json + " (did the section stitch?)");
    }
    JsonNode j = Json.mapper().readTree(json.toFile());
    int w = j.path("width").asInt();
    int h = j.path("height").asInt();
    List<double[]> tiles = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    Path tsv = dir.resolve("tiles.tsv");
    if (Files.exists(tsv)) {
      for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        tiles.add(new double[] {Double.parseDouble(f[3]), Double.parseDouble(f[4])});
        paths.add(f[2]);
      }
    }
    int tw = j.path("tileWidth").asInt(0);
    int th = j.path("tileHeight").asInt(0);
    if ((tw == 0 || th == 0) && !paths.isEmpty()) {
      Bmp.Header hd = Bmp.readHeader(Path.of(paths.get(0)));
      tw = hd.width();
      th = hd.height();
    }
    return new SectionMontage(
        w, h, j.path("originX").asDouble(), j.path("originY").asDouble(), tiles, tw, th);
  }
}
