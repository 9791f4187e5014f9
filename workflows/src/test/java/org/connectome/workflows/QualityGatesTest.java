package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunEvent;
import org.connectome.catalog.RunState;
import org.connectome.catalog.StageState;
import org.connectome.catalog.StageStatus;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.connectome.workflows.samplerun.SampleRunWorkflow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quality-control gates: a stage whose worst unit misses a gate holds the run for review (paused,
 * recorded, notified) until approved or cancelled; on real time, as {@link SignalsTest}.
 */
class QualityGatesTest {
  static final String SPEC =
      """
      sample: qc
      run: r1
      dataRoot: DATA
      volume: {sections: 6, width: 512, height: 512}
      executor: {type: local, local: {launcher: thread, maxConcurrentTasks: 2}}
      defaults: {unitsPerTask: 2, tasksPerShard: 2}
      qcGates:
        - {stage: stitch, figure: synthetic, max: 2.0}
      stages:
        - {stage: ingest, implementation: synthetic, params: {unitMillis: 1}}
        - {stage: stitch, implementation: synthetic, params: {unitMillis: 1, qcFigure: FIGURE}}
        - {stage: align, implementation: synthetic, params: {unitMillis: 1, renderBlockSize: [512, 512, 6]}}
      """;

  @TempDir Path dir;
  TestPlatform platform;
  RunLauncher launcher;

  @BeforeEach
  void start() {
    platform = new TestPlatform(dir, false);
    launcher = new RunLauncher(platform.client());
  }

  @AfterEach
  void stop() {
    platform.close();
  }

  private StageState stage(String runId, String stage) {
    return platform.catalog.progress().status(runId).stages().stream()
        .filter(s -> s.stage().equals(stage))
        .findFirst()
        .map(StageStatus::state)
        .orElse(StageState.PENDING);
  }

  private Optional<RunEvent> event(String runId, EventKind kind) {
    return platform.catalog.events().latest(runId, 200).stream()
        .filter(e -> e.kind() == kind)
        .findFirst();
  }

  @Test
  void aMissedGateHoldsTheRunUntilApproved() throws Exception {
    RunSpec spec = platform.spec(SPEC.replace("FIGURE", "3.5"));
    launcher.launch(spec, 0, null);
    SignalsTest.waitFor(
        "the hold", Duration.ofSeconds(60), () -> event("qc/r1", EventKind.RUN_HELD).isPresent());
    String why = event("qc/r1", EventKind.RUN_HELD).orElseThrow().message();
    assertTrue(why.contains("stitch QC gate missed: synthetic = 3.5"), why);
    assertTrue(why.contains("above the maximum 2.0"), why);
    assertEquals(RunState.PAUSED, platform.catalog.progress().status("qc/r1").run().state());
    assertEquals(StageState.DONE, stage("qc/r1", "stitch"));
    Thread.sleep(1500); // held: alignment, which reads stitching, does not start
    assertEquals(StageState.PENDING, stage("qc/r1", "align"));

    SampleRunWorkflow wf = launcher.workflow(spec.runId());
    wf.approve();
    SampleRunResult r =
        platform
            .client()
            .newUntypedWorkflowStub(WorkflowIds.forRunId(spec.runId()))
            .getResult(SampleRunResult.class);
    assertEquals(SampleRunResult.DONE, r.state(), String.valueOf(r.error()));
    assertEquals(
        "approved by operator", event("qc/r1", EventKind.RUN_UNPAUSED).orElseThrow().message());
  }

  @Test
  void aGateThatHoldsLetsTheRunGoOn() throws Exception {
    RunSpec spec = platform.spec(SPEC.replace("FIGURE", "1.5"));
    launcher.launch(spec, 0, null);
    SampleRunResult r =
        platform
            .client()
            .newUntypedWorkflowStub(WorkflowIds.forRunId(spec.runId()))
            .getResult(SampleRunResult.class);
    assertEquals(SampleRunResult.DONE, r.state(), String.valueOf(r.error()));
    assertEquals(Optional.empty(), event("qc/r1", EventKind.RUN_HELD));
  }

  @Test
  void aGateOnAFigureNoUnitPublishedHoldsRatherThanPassing() throws Exception {
    RunSpec spec =
        platform.spec(SPEC.replace("FIGURE", "1.5").replace("figure: synthetic", "figure: nope"));
    launcher.launch(spec, 0, null);
    SignalsTest.waitFor(
        "the hold", Duration.ofSeconds(60), () -> event("qc/r1", EventKind.RUN_HELD).isPresent());
    String why = event("qc/r1", EventKind.RUN_HELD).orElseThrow().message();
    assertTrue(why.contains("cannot be checked: no unit published the figure nope"), why);
    assertTrue(why.contains("(the stage publishes synthetic)"), why);
    launcher.workflow(spec.runId()).cancel("reviewed: stitching is bad");
    SampleRunResult r =
        platform
            .client()
            .newUntypedWorkflowStub(WorkflowIds.forRunId(spec.runId()))
            .getResult(SampleRunResult.class);
    assertEquals(SampleRunResult.CANCELLED, r.state());
  }
}
