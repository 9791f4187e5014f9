package org.connectome.activities;

import java.io.IOException;
import java.util.BitSet;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunEvent;
import org.connectome.markers.CompletionMarkers;
import org.connectome.markers.InvalidUnit;
import org.connectome.markers.MarkerCheck;
import org.connectome.pipeline.StepConfig;
import org.connectome.units.UnitRange;

/**
 * What planning and shards count as done: units whose marker holds up, not merely exists. A marker
 * whose outputs are gone or cut short, that is empty, unreadable or names other parameters is set
 * aside, so its unit runs again, and an event says so ({@code 3 units of align.render redone:
 * output missing (...)}).
 */
public final class VerifiedMarkers {
  private VerifiedMarkers() {}

  /** The units of {@code range} that are done; the others' invalid markers are set aside. */
  public static BitSet done(
      CompletionMarkers markers, UnitRange range, StepConfig step, String runId, Catalog catalog)
      throws IOException {
    MarkerCheck check = markers.check(range, step.paramsHash(), MarkerCheck.Depth.SIZES);
    for (InvalidUnit bad : check.invalid()) {
      markers.invalidate(bad.unit(), step.paramsHash(), true);
    }
    String summary = check.summary(step.qualifiedName(), "redone");
    if (summary != null) {
      catalog
          .events()
          .record(
              new RunEvent(
                  0, runId, step.stage(), step.step(), EventKind.UNITS_REDONE, summary, null));
    }
    return check.done();
  }
}
