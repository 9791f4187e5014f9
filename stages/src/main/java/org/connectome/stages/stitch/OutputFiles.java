package org.connectome.stages.stitch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.connectome.files.AtomicFile;
import org.connectome.pipeline.Json;

/**
 * Writes output files atomically ({@link AtomicFile}: temp file beside the target, then rename), as
 * the data layout requires; each file counts as an output of the unit being run.
 */
public final class OutputFiles {
  private OutputFiles() {}

  public static void write(Path file, byte[] data) throws IOException {
    AtomicFile.write(file, data, false);
  }

  public static void writeLines(Path file, List<String> lines) throws IOException {
    write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  public static void writeJson(Path file, Object value) throws IOException {
    write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(value));
  }
}
