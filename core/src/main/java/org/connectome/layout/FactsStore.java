package org.connectome.layout;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import org.connectome.pipeline.Json;

/**
 * Facts about the sample that a stage measured and later planners read (the sections ingest found,
 * the aligned volume's size). One small JSON file per fact below the run folder, written
 * atomically.
 */
public final class FactsStore {
  /**
   * Readable by all, as files written in place are: the worker and the task containers that read it
   * may run as different users (createTempFile alone makes it the owner's only).
   */
  private static final FileAttribute<Set<PosixFilePermission>> READABLE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

  /** Sections found in the acquisition: {@code {"sections": 48}}. */
  public static final String SECTIONS = "sections";

  /** The aligned volume's size in voxels: {@code {"x": .., "y": .., "z": ..}}. */
  public static final String VOLUME = "volume";

  private final Path dir;

  public FactsStore(Path dir) {
    this.dir = dir;
  }

  public void publish(String name, Object value) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + name, ".tmp", READABLE);
    Files.write(tmp, Json.bytes(value));
    Files.move(
        tmp,
        dir.resolve(name + ".json"),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  public Optional<JsonNode> read(String name) throws IOException {
    Path f = dir.resolve(name + ".json");
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    return Optional.of(Json.mapper().readTree(f.toFile()));
  }
}
