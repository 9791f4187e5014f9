package org.connectome.stages.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What scorers read.
 *
 * @param runDir the run's folder
 * @param acquisition the acquisition folder, or null
 * @param groundTruth the simulator's ground-truth folder, or null when none is known
 */
public record ReportContext(Path runDir, Path acquisition, Path groundTruth) {
  /**
   * The ground truth next to a simulated acquisition ({@code <acquisition>/../ground-truth}), if
   * there is one.
   */
  public static Optional<Path> findGroundTruth(Path acquisition) {
    if (acquisition == null || acquisition.toAbsolutePath().getParent() == null) {
      return Optional.empty();
    }
    Path gt = acquisition.toAbsolutePath().getParent().resolve("ground-truth");
    return Files.isRegularFile(gt.resolve("volume.json")) ? Optional.of(gt) : Optional.empty();
  }

  public Path stepOutput(String stage, String step) {
    return runDir.resolve("stages").resolve(stage).resolve(step).resolve("output");
  }

  /** The ground truth, loaded; empty without one. */
  public Optional<TruthFiles> truth() throws IOException {
    return groundTruth == null ? Optional.empty() : Optional.of(TruthFiles.load(groundTruth));
  }
}
