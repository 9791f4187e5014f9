package org.connectome.activities.qc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.layout.QcFigures;
import org.connectome.spec.QcGateSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QcActivitiesImplTest {
  @TempDir Path run;

  private void publish(String step, long unit, double p95, double share) throws Exception {
    QcFigures.publish(run, "align", step, unit, Map.of("residualP95Px", p95, "matchShare", share));
  }

  @Test
  void theWorstUnitDecidesAndTheMessageNamesItAndTheBound() throws Exception {
    publish("solve", 0, 1.2, 0.9);
    publish("solve", 1, 3.4, 0.4);
    List<String> missed =
        QcActivitiesImpl.check(run, "align", new QcGateSpec("align", "residualP95Px", 2.0, null));
    assertEquals(
        List.of(
            "align QC gate missed: residualP95Px = 3.4 (solve unit 1) is above the maximum 2.0"),
        missed);
    assertEquals(
        List.of("align QC gate missed: matchShare = 0.4 (solve unit 1) is below the minimum 0.5"),
        QcActivitiesImpl.check(run, "align", new QcGateSpec("align", "matchShare", null, 0.5)));
  }

  @Test
  void boundsThatHoldMissNothing() throws Exception {
    publish("solve", 0, 1.2, 0.9);
    assertEquals(
        List.of(),
        QcActivitiesImpl.check(run, "align", new QcGateSpec("align", "residualP95Px", 1.2, 1.0)));
  }

  @Test
  void aFigureNoUnitPublishedIsMissedNotPassed() throws Exception {
    List<String> none =
        QcActivitiesImpl.check(run, "align", new QcGateSpec("align", "residualP95Px", 2.0, null));
    assertTrue(none.get(0).contains("cannot be checked"), none.toString());
    assertTrue(none.get(0).contains("the stage publishes none"), none.toString());
    publish("solve", 0, 1.2, 0.9);
    List<String> typo =
        QcActivitiesImpl.check(run, "align", new QcGateSpec("align", "residualP59Px", 2.0, null));
    assertTrue(
        typo.get(0).contains("(the stage publishes matchShare, residualP95Px)"), typo.toString());
  }
}
