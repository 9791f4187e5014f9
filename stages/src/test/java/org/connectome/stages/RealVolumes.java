package org.connectome.stages;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The public real EM volumes that the evaluations beside the project read: the folders under {@code
 * CX_REAL_VOLUMES} that {@code segment-training/real_volume.py} wrote ({@code image.raw}, {@code
 * labels.raw}, {@code volume.json}). They are never committed, so a test that needs them is skipped
 * without the variable.
 */
public final class RealVolumes {
  private RealVolumes() {}

  /** Every volume folder, sorted by name; skips the calling test when there are none. */
  public static List<Path> folders() throws IOException {
    String root = System.getenv("CX_REAL_VOLUMES");
    assumeTrue(root != null && Files.isDirectory(Path.of(root)), "CX_REAL_VOLUMES not set");
    try (Stream<Path> s = Files.list(Path.of(root))) {
      return s.filter(d -> Files.isRegularFile(d.resolve("volume.json"))).sorted().toList();
    }
  }
}
