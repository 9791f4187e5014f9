package org.connectome.activities;

import org.connectome.layout.RunLayout;
import org.connectome.spec.RunSpec;

/**
 * Where a run's data lives.
 *
 * @param runId {@code sample/run}
 * @param sample sample id
 * @param run run name
 * @param dataRoot the spec's data root
 */
public record RunLocation(String runId, String sample, String run, String dataRoot) {
  public static RunLocation of(RunSpec spec) {
    return new RunLocation(spec.runId(), spec.sample(), spec.run(), spec.dataRoot());
  }

  public RunLayout layout() {
    return RunLayout.of(dataRoot, sample, run);
  }
}
