package org.connectome.stages.stitch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A section's tile manifest as ingest writes it ({@code manifest.tsv}: a {@code #} header, then
 * {@code mfov, beam, path, stage_x, stage_y, width, height, crc32c} TAB-separated per tile).
 */
public final class Manifest {
  /** One ingested tile. */
  public record Entry(
      int mfov, int beam, String path, double stageX, double stageY, int width, int height) {}

  private Manifest() {}

  /** Reads a manifest; a malformed line is an {@link IOException} naming the file and line. */
  public static List<Entry> read(Path file) throws IOException {
    List<Entry> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t");
      try {
        out.add(
            new Entry(
                Integer.parseInt(f[0]),
                Integer.parseInt(f[1]),
                f[2],
                Double.parseDouble(f[3]),
                Double.parseDouble(f[4]),
                Integer.parseInt(f[5]),
                Integer.parseInt(f[6])));
      } catch (RuntimeException e) {
        throw new IOException(
            file
                + ":"
                + (i + 1)
                + ": malformed manifest line (expected mfov, beam, path, stage_x,"
                + " stage_y, width, height, crc32c): "
                + e.getMessage(),
            e);
      }
    }
    return out;
  }

  /** The manifest of section folder {@code folder} in the ingest outputs of the run. */
  public static Path of(Path runDir, String folder) {
    return runDir
        .resolve("stages")
        .resolve("ingest")
        .resolve("ingest")
        .resolve("output")
        .resolve("sections")
        .resolve(folder)
        .resolve("manifest.tsv");
  }
}
