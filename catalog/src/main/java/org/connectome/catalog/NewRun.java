package org.connectome.catalog;

import java.util.Objects;

/**
 * A run to register. {@code runId} is {@code sample/run}; when {@code sample} or {@code run} is
 * null it is taken from {@code runId} (split at the first '/').
 */
public record NewRun(
    String runId, String sample, String run, String specJson, String specHash, String workflowId) {
  public NewRun {
    Objects.requireNonNull(runId, "runId");
    if (runId.isBlank()) {
      throw new IllegalArgumentException("runId is blank");
    }
    int slash = runId.indexOf('/');
    if (sample == null) {
      sample = slash < 0 ? runId : runId.substring(0, slash);
    }
    if (run == null) {
      run = slash < 0 ? "" : runId.substring(slash + 1);
    }
  }
}
