package org.connectome.stages.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Bytes a stage read and wrote, from the sizes of its input and output folders. A stage's outputs
 * are its steps' {@code output/} folders plus what it publishes outside them; its inputs are what
 * the stages before it left for it:
 *
 * <table>
 *   <caption>inputs and outputs per stage</caption>
 *   <tr><th>stage</th><th>in</th><th>out</th></tr>
 *   <tr><td>ingest</td><td>the acquisition folder</td><td>stages/ingest/&#42;/output</td></tr>
 *   <tr><td>stitch</td><td>the tiles its manifests list</td><td>stages/stitch/&#42;/output</td></tr>
 *   <tr><td>align</td><td>the montages (montage.raw)</td><td>stages/align/&#42;/output, volumes/aligned</td></tr>
 *   <tr><td>segment</td><td>volumes/aligned</td><td>stages/segment/&#42;/output</td></tr>
 *   <tr><td>synapses</td><td>volumes/aligned, segment outputs</td><td>stages/synapses/&#42;/output,
 *   neuroglancer/synapses</td></tr>
 *   <tr><td>compress</td><td>volumes/aligned, segment outputs</td><td>stages/compress/&#42;/output,
 *   neuroglancer/image, neuroglancer/segmentation (without its meshes)</td></tr>
 *   <tr><td>mesh</td><td>segment outputs</td><td>stages/mesh/&#42;/output, neuroglancer/segmentation/mesh</td></tr>
 * </table>
 */
public final class DiskUsage {
  private DiskUsage() {}

  /** {in, out} bytes of a stage. */
  public static long[] of(String stage, Path runDir, Path acquisition) {
    Path st = runDir.resolve("stages");
    Path ng = runDir.resolve("neuroglancer");
    Path aligned = runDir.resolve("volumes").resolve("aligned");
    long out = outputs(st.resolve(stage));
    long in;
    switch (stage) {
      case "ingest" -> in = acquisition == null ? 0 : bytes(acquisition);
      case "stitch" -> in = manifestTiles(st.resolve("ingest/ingest/output/sections"));
      case "align" -> {
        in = montages(st.resolve("stitch/stitch/output"));
        out += bytes(aligned);
      }
      case "segment" -> in = bytes(aligned);
      case "synapses" -> {
        in = bytes(aligned) + outputs(st.resolve("segment"));
        out += bytes(ng.resolve("synapses"));
      }
      case "compress" -> {
        in = bytes(aligned) + outputs(st.resolve("segment"));
        out +=
            bytes(ng.resolve("image"))
                + bytes(ng.resolve("segmentation"))
                - bytes(ng.resolve("segmentation").resolve("mesh"));
      }
      case "mesh" -> {
        in = outputs(st.resolve("segment"));
        out += bytes(ng.resolve("segmentation").resolve("mesh"));
      }
      default -> in = 0;
    }
    return new long[] {in, out};
  }

  /** Bytes of the {@code output/} folders of a stage's steps. */
  static long outputs(Path stageDir) {
    if (!Files.isDirectory(stageDir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(stageDir)) {
      return s.mapToLong(step -> bytes(step.resolve("output"))).sum();
    } catch (IOException e) {
      return 0;
    }
  }

  static long montages(Path stitchOut) {
    if (!Files.isDirectory(stitchOut)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(stitchOut)) {
      return s.mapToLong(d -> size(d.resolve("montage.raw"))).sum();
    } catch (IOException e) {
      return 0;
    }
  }

  static long manifestTiles(Path sections) {
    if (!Files.isDirectory(sections)) {
      return 0;
    }
    long total = 0;
    try (Stream<Path> s = Files.list(sections)) {
      for (Path d : s.toList()) {
        Path m = d.resolve("manifest.tsv");
        if (!Files.exists(m)) {
          continue;
        }
        List<String> lines = Files.readAllLines(m, StandardCharsets.UTF_8);
        for (String line : lines) {
          if (line.startsWith("#") || line.isBlank()) {
            continue;
          }
          String[] f = line.split("\t");
          if (f.length > 2) {
            total += size(Path.of(f[2]));
          }
        }
      }
    } catch (IOException e) {
      return total;
    }
    return total;
  }

  /** Total size of the regular files below {@code p} (0 when absent). */
  public static long bytes(Path p) {
    if (!Files.exists(p)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).mapToLong(DiskUsage::size).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private static long size(Path f) {
    try {
      return Files.isRegularFile(f) ? Files.size(f) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** 1.5 MB style. */
  public static String human(long bytes) {
    if (bytes < 1000) {
      return bytes + " B";
    }
    String[] u = {"kB", "MB", "GB", "TB", "PB"};
    double v = bytes;
    int i = -1;
    while (v >= 1000 && i < u.length - 1) {
      v /= 1000;
      i++;
    }
    return String.format(v >= 100 ? "%.0f %s" : "%.1f %s", v, u[i]);
  }

  static Map<String, Object> json(long[] io) {
    return Map.of("bytesIn", io[0], "bytesOut", io[1]);
  }
}
