package org.connectome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunState;
import org.connectome.catalog.RunStatus;
import org.connectome.catalog.StageState;
import org.connectome.catalog.StageStatus;
import org.connectome.catalog.StepState;
import org.connectome.catalog.StepStatus;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.junit.jupiter.api.Test;

class ProgressViewTest {
  static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  static final String SPEC =
      """
      sample: p
      run: r1
      volume: {sections: 4, width: 512, height: 512}
      stages:
        - {stage: ingest, implementation: synthetic}
        - {stage: stitch, implementation: synthetic}
      """;

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

  static RunStatus status(RunState state, List<StageStatus> stages) {
    return new RunStatus(
        new RunRecord("p/r1", "p", "r1", "{}", "h", "w", state, null, NOW, NOW, NOW, null), stages);
  }

  @Test
  void theHeaderShowsTheWholeRunsEtaAndWhenItIsOnlyALowerBound() throws Exception {
    RunSpec spec = new RunSpecLoader().parse(SPEC, "p.yaml", Path.of("/tmp"));
    ProgressView v =
        new ProgressView(new PrintStream(PrintStream.nullOutputStream()), true, spec, NOW);
    // ingest: 2 of 4 sections in 20 s: 20 s to go; stitch has not started
    RunStatus running =
        status(
            RunState.RUNNING,
            List.of(
                new StageStatus(
                    "ingest",
                    0,
                    StageState.RUNNING,
                    0,
                    NOW,
                    null,
                    null,
                    List.of(step("ingest", StepState.RUNNING, 4, 2, 20)))));
    assertEquals("  run ETA >= 0:20 (1 step not measured yet)", v.runEta(running, NOW));
    RunStatus measured =
        status(
            RunState.RUNNING,
            List.of(
                new StageStatus(
                    "ingest",
                    0,
                    StageState.DONE,
                    0,
                    NOW,
                    NOW,
                    null,
                    List.of(step("ingest", StepState.DONE, 4, 4, 40))),
                new StageStatus(
                    "stitch",
                    1,
                    StageState.RUNNING,
                    0,
                    NOW,
                    null,
                    null,
                    List.of(step("stitch", StepState.RUNNING, 4, 1, 30)))));
    assertEquals("  run ETA 1:30", v.runEta(measured, NOW));
    assertEquals("", v.runEta(status(RunState.DONE, List.of()), NOW));
  }
}
