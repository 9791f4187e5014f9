package org.connectome.stages.stitch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.connectome.pipeline.Json;

/**
 * Writes output files atomically (temp file beside the target, then rename), as the data layout
 * requires.
 */
public final class OutputFiles {
  /**
   * Readable by all, as files written in place are: the worker and the task containers that read it
   * may run as different users (createTempFile alone makes it the owner's only).
   */
  private static final FileAttribute<Set<PosixFilePermission>> READABLE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

  private OutputFiles() {}

  public static void write(Path file, byte[] data) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp", READABLE);
    try {
      Files.write(tmp, data);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void writeLines(Path file, List<String> lines) throws IOException {
    write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  public static void writeJson(Path file, Object value) throws IOException {
    write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(value));
  }
}
