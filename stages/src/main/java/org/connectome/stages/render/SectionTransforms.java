package org.connectome.stages.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * align.solve's {@code output/transforms.json}: per section {@code z} the rigid transform from the
 * section's montage frame into the aligned frame ({@code {"sections": [{"section", "thetaDeg",
 * "tx", "ty"}], "width", "height"}}).
 */
public final class SectionTransforms {
  /** Relative to the run folder. */
  public static final String FILE = "stages/align/solve/output/transforms.json";

  private final Map<Integer, RigidTransform> bySection;
  private final long width;
  private final long height;

  public SectionTransforms(Map<Integer, RigidTransform> bySection, long width, long height) {
    this.bySection = new TreeMap<>(bySection);
    this.width = width;
    this.height = height;
  }

  public static SectionTransforms read(Path runDir) throws IOException {
    Path f = runDir.resolve(FILE);
    if (!Files.isRegularFile(f)) {
      throw new NoSuchFileException(
          f.toString(), null, "align.solve has not written its transforms");
    }
    JsonNode root = new ObjectMapper().readTree(f.toFile());
    JsonNode sections = root.path("sections");
    if (!sections.isArray()) {
      throw new IOException(f + ": no \"sections\" array");
    }
    Map<Integer, RigidTransform> m = new TreeMap<>();
    for (JsonNode s : sections) {
      if (!s.path("section").canConvertToInt()) {
        throw new IOException(f + ": a section entry has no integer \"section\": " + s);
      }
      m.put(
          s.path("section").asInt(),
          new RigidTransform(
              s.path("thetaDeg").asDouble(0), s.path("tx").asDouble(0), s.path("ty").asDouble(0)));
    }
    return new SectionTransforms(m, root.path("width").asLong(0), root.path("height").asLong(0));
  }

  /**
   * The transform of section {@code z} into the aligned frame, or empty when the solve left the
   * section out.
   */
  public Optional<RigidTransform> of(int z) {
    return Optional.ofNullable(bySection.get(z));
  }

  public long width() {
    return width;
  }

  public long height() {
    return height;
  }
}
