package org.connectome.layout;

import java.nio.file.Path;

/**
 * Where a run keeps its data: {@code <dataRoot>/<sample>/<run>/}, one folder per step below {@code
 * stages/}, published facts below {@code facts/}.
 */
public record RunLayout(Path dataRoot, String sample, String run) {
  public static RunLayout of(String dataRoot, String sample, String run) {
    return new RunLayout(Path.of(dataRoot), sample, run);
  }

  public Path runDir() {
    return dataRoot.resolve(sample).resolve(run);
  }

  public StepLayout step(String stage, String step) {
    return new StepLayout(runDir().resolve("stages").resolve(stage).resolve(step));
  }

  public Path factsDir() {
    return runDir().resolve("facts");
  }
}
