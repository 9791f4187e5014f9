package org.connectome.layout;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.connectome.files.AtomicFile;
import org.connectome.pipeline.Json;

/**
 * Facts about the sample that a stage measured and later planners read (the sections ingest found,
 * the aligned volume's size). One small JSON file per fact below the run folder, written
 * atomically.
 */
public final class FactsStore {
  /** Sections found in the acquisition: {@code {"sections": 48}}. */
  public static final String SECTIONS = "sections";

  /** The aligned volume's size in voxels: {@code {"x": .., "y": .., "z": ..}}. */
  public static final String VOLUME = "volume";

  private final Path dir;

  public FactsStore(Path dir) {
    this.dir = dir;
  }

  public void publish(String name, Object value) throws IOException {
    AtomicFile.write(dir.resolve(name + ".json"), Json.bytes(value), false);
  }

  public Optional<JsonNode> read(String name) throws IOException {
    Path f = dir.resolve(name + ".json");
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    return Optional.of(Json.mapper().readTree(f.toFile()));
  }
}
