package org.connectome.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunState;
import org.connectome.catalog.RunStatus;
import org.connectome.catalog.StageState;
import org.connectome.catalog.StageStatus;
import org.connectome.catalog.StepState;
import org.connectome.catalog.StepStatus;
import org.junit.jupiter.api.Test;

class RunEtaTest {
  static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  /** A graph: a, then b and c side by side, then d reading both. */
  static final Map<String, List<String>> GRAPH = new LinkedHashMap<>();

  static {
    GRAPH.put("s.a", List.of());
    GRAPH.put("s.b", List.of("s.a"));
    GRAPH.put("t.c", List.of("s.a"));
    GRAPH.put("t.d", List.of("s.b", "t.c"));
  }

  /** A step that has done {@code done} of {@code total} units in {@code seconds}. */
  static StepStatus step(String name, StepState state, long total, long done, long seconds) {
    return new StepStatus(
        name,
        0,
        state,
        total,
        done,
        0,
        0,
        0,
        1,
        1,
        "h",
        NOW.minusSeconds(seconds),
        null,
        NOW,
        null);
  }

  static RunStatus status(List<StepStatus> s, List<StepStatus> t) {
    RunRecord run =
        new RunRecord("x/r", "x", "r", "{}", "h", "w", RunState.RUNNING, null, NOW, NOW, NOW, null);
    return new RunStatus(
        run,
        List.of(
            new StageStatus("s", 0, StageState.RUNNING, 0, NOW, null, null, s),
            new StageStatus("t", 1, StageState.RUNNING, 0, NOW, null, null, t)));
  }

  @Test
  void theLongestPathOfMeasuredStepsIsTheEstimate() {
    // a done; b at 1 unit/s with 100 left; c at 1 unit/s with 10 left; d measured at 0.1/s
    RunStatus st =
        status(
            List.of(step("a", StepState.DONE, 5, 5, 10), step("b", StepState.RUNNING, 110, 10, 10)),
            List.of(
                step("c", StepState.RUNNING, 20, 10, 10), step("d", StepState.RUNNING, 2, 1, 10)));
    RunEta.Estimate e = RunEta.of(GRAPH, st, NOW);
    assertEquals(100 + 10, e.seconds(), 1e-9, "b then d: the longer branch");
    assertEquals(0, e.unmeasured());
  }

  @Test
  void stepsWithoutARateMakeItALowerBoundAndSaySo() {
    RunStatus st = status(List.of(step("a", StepState.RUNNING, 10, 5, 5)), List.of());
    RunEta.Estimate e = RunEta.of(GRAPH, st, NOW);
    assertEquals(5, e.seconds(), 1e-9);
    assertEquals(3, e.unmeasured());
    assertEquals(true, e.isLowerBound());
  }

  @Test
  void aFinishedRunNeedsNoTime() {
    RunStatus st =
        status(
            List.of(step("a", StepState.DONE, 5, 5, 1), step("b", StepState.DONE, 5, 5, 1)),
            List.of(
                step("c", StepState.DONE_WITH_FAILURES, 5, 4, 1),
                step("d", StepState.DONE, 1, 1, 1)));
    assertEquals(new RunEta.Estimate(0, 0), RunEta.of(GRAPH, st, NOW));
  }
}
