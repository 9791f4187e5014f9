package org.connectome.stages.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.connectome.pipeline.Json;
import org.connectome.stages.stitch.Stats;

/**
 * Compression: the image compression ratio, all scales. From {@code
 * stages/compress/image/output/*.json} and the image units of {@code
 * stages/compress/pyramid<k>/output/*.json} when they carry byte counts (the sums of {@code
 * rawBytes} and {@code storedBytes}; also accepted: {@code uncompressedBytes} / {@code
 * compressedBytes}, {@code bytesIn} / {@code bytesOut}), else from the aligned volume's size (the
 * {@code volume} fact, one byte per voxel) over the bytes of {@code neuroglancer/image/} (all
 * scales).
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
    // compress.image writes scale 0 (and, unsharded, the scales within a block); the pyramid steps
    // the scales above, their image units marked "volume": "image"
    List<Path> outs = new ArrayList<>();
    outs.add(ctx.stepOutput("compress", "image"));
    Path stages = ctx.runDir().resolve("stages").resolve("compress");
    if (Files.isDirectory(stages)) {
      try (Stream<Path> s = Files.list(stages)) {
        s.filter(p -> p.getFileName().toString().matches("pyramid\\d+"))
            .sorted()
            .forEach(p -> outs.add(p.resolve("output")));
      }
    }
    long raw = 0;
    long stored = 0;
    int files = 0;
    for (Path out : outs) {
      if (!Files.isDirectory(out)) {
        continue;
      }
      boolean pyramid = !out.getParent().getFileName().toString().equals("image");
      try (Stream<Path> s = Files.walk(out)) {
        for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
          JsonNode j;
          try {
            j = Json.mapper().readTree(p.toFile());
          } catch (IOException e) {
            continue;
          }
          if (pyramid && !"image".equals(j.path("volume").asText())) {
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
      m.put("source", "compress.image and pyramid outputs (" + files + " files, all scales)");
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
