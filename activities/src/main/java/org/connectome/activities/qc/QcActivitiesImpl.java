package org.connectome.activities.qc;

import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.connectome.layout.QcFigures;
import org.connectome.spec.QcGateSpec;

/** Reads the figures the stage's units published ({@link QcFigures}) and bounds their worst. */
public final class QcActivitiesImpl implements QcActivities {
  @Override
  public QcCheckResult checkGates(QcCheckInput input) {
    Path runDir = input.run().layout().runDir();
    List<String> missed = new ArrayList<>();
    try {
      for (QcGateSpec g : input.gates()) {
        missed.addAll(check(runDir, input.stage(), g));
      }
    } catch (IOException e) {
      // retried by the activity's policy: a figure that cannot be read is not a passed gate
      throw ApplicationFailure.newFailureWithCause(
          "cannot read the QC figures of stage " + input.stage() + ": " + e, "QcUnreadable", e);
    }
    return new QcCheckResult(missed);
  }

  static List<String> check(Path runDir, String stage, QcGateSpec g) throws IOException {
    List<String> missed = new ArrayList<>();
    if (g.max() != null) {
      Optional<QcFigures.Worst> w = QcFigures.worst(runDir, stage, g.figure(), true);
      if (w.isEmpty()) {
        return List.of(unpublished(runDir, stage, g));
      }
      if (w.get().value() > g.max()) {
        missed.add(line(stage, g, w.get(), "above the maximum " + g.max()));
      }
    }
    if (g.min() != null) {
      Optional<QcFigures.Worst> w = QcFigures.worst(runDir, stage, g.figure(), false);
      if (w.isEmpty()) {
        return List.of(unpublished(runDir, stage, g));
      }
      if (w.get().value() < g.min()) {
        missed.add(line(stage, g, w.get(), "below the minimum " + g.min()));
      }
    }
    return missed;
  }

  private static String line(String stage, QcGateSpec g, QcFigures.Worst w, String how) {
    return stage
        + " QC gate missed: "
        + g.figure()
        + " = "
        + w.value()
        + " ("
        + w.unit()
        + ") is "
        + how;
  }

  private static String unpublished(Path runDir, String stage, QcGateSpec g) throws IOException {
    var names = QcFigures.names(runDir, stage);
    return stage
        + " QC gate cannot be checked: no unit published the figure "
        + g.figure()
        + (names.isEmpty()
            ? " (the stage publishes none)"
            : " (the stage publishes " + String.join(", ", names) + ")");
  }
}
