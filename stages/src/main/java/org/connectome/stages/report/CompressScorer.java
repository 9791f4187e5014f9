package org.connectome.stages.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.connectome.pipeline.Json;
import org.connectome.stages.stitch.Stats;

/**
 * Compression: the image compression ratio. From {@code stages/compress/image/output/*.json} when
 * they carry byte counts (the sums of {@code rawBytes} and {@code storedBytes}; also accepted:
 * {@code uncompressedBytes} / {@code compressedBytes}, {@code bytesIn} / {@code bytesOut}), else
 * from the aligned volume's size (the {@code volume} fact, one byte per voxel) over the bytes of
 * {@code neuroglancer/image/} (all scales).
 */
public final class CompressScorer implements StageScorer {
  private static final String[][] KEYS = {
    {"rawBytes", "storedBytes"}, {"uncompressedBytes", "compressedBytes"}, {"bytesIn", "bytesOut"}
  };

  @Override
  public String stage() {
    return "compress";
  }

  @Override
  public Optional<Map<String, Object>> score(ReportContext ctx) throws IOException {
    Path out = ctx.stepOutput("compress", "image");
    long raw = 0;
    long stored = 0;
    int files = 0;
    if (Files.isDirectory(out)) {
      try (Stream<Path> s = Files.walk(out)) {
        for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
          JsonNode j;
          try {
            j = Json.mapper().readTree(p.toFile());
          } catch (IOException e) {
            continue;
          }
          for (String[] k : KEYS) {
            if (j.has(k[0]) && j.has(k[1])) {
              raw += j.get(k[0]).asLong();
              stored += j.get(k[1]).asLong();
              files++;
              break;
            }
          }
        }
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    if (files > 0 && stored > 0) {
      m.put("source", "compress.image outputs (" + files + " files)");
    } else {
      Path image = ctx.runDir().resolve("neuroglancer").resolve("image");
      Path vol = ctx.runDir().resolve("facts").resolve("volume.json");
      if (!Files.isDirectory(image) || !Files.exists(vol)) {
        return Optional.empty();
      }
      JsonNode v = Json.mapper().readTree(vol.toFile());
      raw = v.path("x").asLong() * v.path("y").asLong() * v.path("z").asLong();
      stored = DiskUsage.bytes(image);
      m.put("source", "aligned volume size / neuroglancer/image on disk (all scales)");
    }
    if (stored <= 0) {
      return Optional.empty();
    }
    double ratio = (double) raw / stored;
    m.put("rawBytes", raw);
    m.put("storedBytes", stored);
    m.put("compressionRatio", Stats.r3(ratio));
    m.put(
        "summary",
        String.format(
            "image compression %.2fx (%s raw, %s stored)",
            ratio, DiskUsage.human(raw), DiskUsage.human(stored)));
    return Optional.of(m);
  }
}
