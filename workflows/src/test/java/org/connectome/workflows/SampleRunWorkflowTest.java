package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunEvent;
import org.connectome.catalog.RunState;
import org.connectome.catalog.RunStatus;
import org.connectome.catalog.StageState;
import org.connectome.catalog.StageStatus;
import org.connectome.catalog.StepState;
import org.connectome.catalog.StepStatus;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleRunWorkflowTest {
  static final String ALL_STAGES =
      """
      sample: t1
      run: r1
      dataRoot: DATA
      voxelSize: {x: 8, y: 8, z: 33}
      volume: {sections: 6, width: 1024, height: 1024}
      executor: {type: local, local: {launcher: thread, maxConcurrentTasks: 4}}
      defaults:
        unitsPerTask: 2
        tasksPerShard: 2
        retry: {maxAttempts: 3, initialBackoff: 10ms, maxBackoff: 50ms}
      autoResume: {maxResumes: 3, backoff: 2s}
      stages:
        - {stage: ingest, implementation: synthetic, params: {unitMillis: 1}}
        - {stage: stitch, implementation: synthetic, params: {unitMillis: 1}}
        - {stage: align, implementation: synthetic, params: {unitMillis: 1, renderBlockSize: [512, 512, 6]}}
        - {stage: segment, implementation: synthetic, params: {unitMillis: 1, subvolumeSize: [512, 512, 6]}}
        - {stage: synapses, implementation: synthetic, params: {unitMillis: 1}}
        - {stage: compress, implementation: synthetic, params: {unitMillis: 1}}
        - {stage: mesh, implementation: synthetic, params: {unitMillis: 1, mergeShards: 4}}
      """;

  @TempDir Path dir;
  TestPlatform platform;

  @BeforeEach
  void start() {
    platform = new TestPlatform(dir);
  }

  @AfterEach
  void stop() {
    platform.close();
  }

  SampleRunResult runToEnd(RunSpec spec) {
    RunLauncher launcher = new RunLauncher(platform.client());
    RunLauncher.Launch launch = launcher.launch(spec, 0, null);
    return platform
        .client()
        .newUntypedWorkflowStub(launch.execution(), java.util.Optional.empty())
        .getResult(SampleRunResult.class);
  }

  @Test
  void wholeRunThroughAllSevenStages() throws Exception {
    RunSpec spec = platform.spec(ALL_STAGES);
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
    assertEquals(7, result.stages().size());
    RunStatus status = platform.catalog.progress().status("t1/r1");
    assertEquals(RunState.DONE, status.run().state());
    assertEquals(7, status.stages().size());
    for (StageStatus s : status.stages()) {
      assertEquals(StageState.DONE, s.state(), s.stage());
      for (StepStatus st : s.steps()) {
        assertEquals(StepState.DONE, st.state(), s.stage() + "." + st.step());
        assertEquals(st.unitsTotal(), st.unitsDone(), s.stage() + "." + st.step());
        assertTrue(st.unitsTotal() > 0, s.stage() + "." + st.step());
      }
    }
    // 16 steps and the compress stage's pyramid steps, one per scale above what compress writes
    assertEquals(
        Pipeline.steps(spec).size(),
        status.stages().stream().mapToLong(s -> s.steps().size()).sum());
    assertEquals(20, Pipeline.steps(spec).size());
    platform.assertEachUnitRanOnce(spec);
    assertEquals(
        6.0,
        platform.counter(
            "connectome_units_total",
            Map.of("sample", "t1", "stage", "ingest", "outcome", "done")));
  }

  @Test
  void failedUnitsAreRetriedByTheRetryPolicy() throws Exception {
    RunSpec spec =
        platform.spec(
            ALL_STAGES.replace(
                "{stage: stitch, implementation: synthetic, params: {unitMillis: 1}}",
                "{stage: stitch, implementation: synthetic, params: {unitMillis: 1, failFirstAttempts: 2}}"));
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
    platform.assertEachUnitRanOnce(spec);
    // 6 sections in 3 tasks of 2 units: attempts 1 and 2 fail, attempt 3 succeeds
    assertEquals(
        6.0,
        platform.counter(
            "connectome_task_attempts_total", Map.of("stage", "stitch", "outcome", "retried")));
    assertEquals(
        3.0,
        platform.counter(
            "connectome_task_attempts_total", Map.of("stage", "stitch", "outcome", "succeeded")));
    assertEquals(
        0,
        platform.catalog.events().countByKind("t1/r1").getOrDefault(EventKind.STAGE_RESUMED, 0L));
  }

  @Test
  void aFailedStageResumesOnItsOwnAndRedoesNoFinishedUnit() throws Exception {
    // a task gets one attempt per shard execution; units fail on their first two attempts; unit 5
    // ran fine
    // the first time and must not run again when the stage resumes
    RunSpec spec =
        platform.spec(
            ALL_STAGES.replace(
                "{stage: stitch, implementation: synthetic, params: {unitMillis: 1}}",
                "{stage: stitch, implementation: synthetic, retry: {maxAttempts: 1}, "
                    + "params: {unitMillis: 1, failFirstAttempts: 2}}"));
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
    platform.assertEachUnitRanOnce(spec);
    Map<EventKind, Long> events = platform.catalog.events().countByKind("t1/r1");
    assertEquals(2L, events.get(EventKind.STAGE_RESUMED));
    StageStatus stitch = platform.catalog.progress().status("t1/r1").stages().get(1);
    assertEquals(2, stitch.resumes());
    assertEquals(StageState.DONE, stitch.state());
    assertEquals(2, result.stages().get(1).resumes());
  }

  @Test
  void failuresWithinTheBudgetLetTheRunFinish() throws Exception {
    RunSpec spec =
        platform.spec(
            ALL_STAGES.replace(
                "{stage: stitch, implementation: synthetic, params: {unitMillis: 1}}",
                "{stage: stitch, implementation: synthetic, failureBudget: {maxFailedUnits: 1}, "
                    + "params: {unitMillis: 1, permanentFailUnits: \"4\"}}"));
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
    assertEquals(StageState.DONE_WITH_FAILURES, result.stages().get(1).state());
    assertEquals(1, result.stages().get(1).unitsFailed());
    assertEquals("4", result.stages().get(1).failures().get(0).units().toString());
    assertTrue(result.stages().get(1).failures().get(0).error().contains("permanentFailUnits"));
    StepStatus st = platform.catalog.progress().status("t1/r1").stages().get(1).steps().get(0);
    assertEquals(StepState.DONE_WITH_FAILURES, st.state());
    assertEquals(1, st.unitsFailed());
  }

  @Test
  void failuresBeyondTheBudgetFailTheRunWithTheUnitRangesAndNoPointlessResume() throws Exception {
    RunSpec spec =
        platform.spec(
            ALL_STAGES.replace(
                "{stage: stitch, implementation: synthetic, params: {unitMillis: 1}}",
                "{stage: stitch, implementation: synthetic, params: {unitMillis: 1, permanentFailUnits: \"2-3\"}}"));
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.FAILED, result.state());
    assertTrue(result.error().contains("2 of 6 units of stitch.stitch failed"), result.error());
    assertTrue(result.error().contains("units 2-3"), result.error());
    assertTrue(result.error().contains("not retryable"), result.error());
    assertEquals(
        0,
        platform.catalog.events().countByKind("t1/r1").getOrDefault(EventKind.STAGE_RESUMED, 0L));
    assertEquals(RunState.FAILED, platform.catalog.progress().status("t1/r1").run().state());
    assertEquals(
        StageState.PENDING,
        platform.catalog.progress().status("t1/r1").stages().stream()
            .filter(s -> s.stage().equals("align"))
            .findFirst()
            .map(StageStatus::state)
            .orElse(StageState.PENDING));
  }

  /** The id of the first event of {@code kind} for {@code stage}. */
  private long firstEvent(String stage, EventKind kind) {
    return platform.catalog.events().latest("t1/r1", 500).stream()
        .filter(e -> stage.equals(e.stage()) && e.kind() == kind)
        .mapToLong(RunEvent::id)
        .min()
        .orElseThrow(() -> new AssertionError("no " + kind + " event for " + stage));
  }

  @Test
  void compressionOfTheImageStartsBesideSegmentationNotAfterIt() throws Exception {
    // segmentation is slow here: compress.image reads only the aligned volume and starts at once
    RunSpec spec =
        platform.spec(
            ALL_STAGES.replace(
                "{stage: segment, implementation: synthetic, params: {unitMillis: 1,",
                "{stage: segment, implementation: synthetic, params: {unitMillis: 400,"));
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
    assertTrue(
        firstEvent("compress", EventKind.STAGE_STARTED)
            < firstEvent("segment", EventKind.STAGE_FINISHED),
        "compress began before segmentation finished");
    assertTrue(
        firstEvent("segment", EventKind.STAGE_STARTED)
            > firstEvent("align", EventKind.STAGE_FINISHED),
        "segmentation still waits for alignment");
    platform.assertEachUnitRanOnce(spec);
  }

  @Test
  void aChainedRunStartsEachStageAfterTheOneBeforeItFinished() throws Exception {
    // the same slow segmentation, one step at a time: compression waits for it and for synapses
    RunSpec spec =
        platform.spec(
            "stepOrder: chain\n"
                + ALL_STAGES.replace(
                    "{stage: segment, implementation: synthetic, params: {unitMillis: 1,",
                    "{stage: segment, implementation: synthetic, params: {unitMillis: 100,"));
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
    List<String> chain = List.of("align", "segment", "synapses", "compress", "mesh");
    for (int i = 1; i < chain.size(); i++) {
      assertTrue(
          firstEvent(chain.get(i), EventKind.STAGE_STARTED)
              > firstEvent(chain.get(i - 1), EventKind.STAGE_FINISHED),
          chain.get(i) + " began after " + chain.get(i - 1) + " finished");
    }
    platform.assertEachUnitRanOnce(spec);
  }

  /** The segment stage cut so that segment.merge runs in rounds [2, 1, 4]: two levels, 4 shards. */
  static String mergeInRounds(String mergeParams) {
    return ALL_STAGES.replace(
        "{stage: segment, implementation: synthetic, params: {unitMillis: 1, subvolumeSize: [512, 512, 6]}}",
        "{stage: segment, implementation: synthetic, params: {unitMillis: 1, subvolumeSize: [512, 512, 6],"
            + " shardSubvolumes: 1, mergeFanIn: 2}, steps: {merge: {params: "
            + mergeParams
            + "}}}");
  }

  /** The units of segment.merge in the order their executions completed. */
  private List<Long> mergeUnitsInOrder(RunSpec spec) throws Exception {
    StepConfig merge =
        Pipeline.steps(spec).stream()
            .filter(c -> c.qualifiedName().equals("segment.merge"))
            .findFirst()
            .orElseThrow();
    java.nio.file.Path log =
        org.connectome.layout.RunLayout.of(spec.dataRoot(), spec.sample(), spec.run())
            .step("segment", "merge")
            .dir()
            .resolve(org.connectome.tasks.synthetic.SyntheticUnitRunner.EXECUTION_LOG);
    assertTrue(platform.executions(spec, merge).size() > 0, "merge ran");
    return java.nio.file.Files.readAllLines(log).stream()
        .map(l -> Long.parseLong(l.split("\t")[0]))
        .toList();
  }

  private static int roundOf(long unit) {
    return unit < 2 ? 0 : unit < 3 ? 1 : 2;
  }

  @Test
  void aStepInRoundsRunsEachRoundAfterTheRoundBeforeItFinished() throws Exception {
    // units slow enough that rounds run side by side would finish interleaved
    RunSpec spec = platform.spec(mergeInRounds("{unitMillis: 100}"));
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
    List<Long> order = mergeUnitsInOrder(spec);
    assertEquals(7, order.size(), order.toString());
    for (int i = 1; i < order.size(); i++) {
      assertTrue(roundOf(order.get(i)) >= roundOf(order.get(i - 1)), "completion order " + order);
    }
    platform.assertEachUnitRanOnce(spec);
  }

  @Test
  void aRoundWithAFailedUnitHoldsTheRoundsThatReadIt() throws Exception {
    RunSpec spec = platform.spec(mergeInRounds("{unitMillis: 1, permanentFailUnits: \"0\"}"));
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.FAILED, result.state());
    assertTrue(result.error().contains("segment.merge"), result.error());
    assertTrue(result.error().contains("not run: an earlier round"), result.error());
    // only the other unit of the first round ran
    assertEquals(List.of(1L), mergeUnitsInOrder(spec));
  }

  @Test
  void aStageFailingForGoodLetsTheStepsThatDoNotReadItFinish() throws Exception {
    RunSpec spec =
        platform.spec(
            ALL_STAGES.replace(
                "{stage: synapses, implementation: synthetic, params: {unitMillis: 1}}",
                "{stage: synapses, implementation: synthetic, params: {unitMillis: 1, permanentFailUnits: \"0\"}}"));
    SampleRunResult result = runToEnd(spec);
    assertEquals(SampleRunResult.FAILED, result.state());
    assertTrue(result.error().contains("synapses"), result.error());
    Map<String, StageState> states = new java.util.HashMap<>();
    result.stages().forEach(o -> states.put(o.stage(), o.state()));
    assertEquals(StageState.FAILED, states.get("synapses"));
    // compression and meshes read nothing synapses write: they ran to the end beside it
    assertEquals(StageState.DONE, states.get("compress"));
    assertEquals(StageState.DONE, states.get("mesh"));
  }

  @Test
  void launchingTheSameRunTwiceYieldsOneRun() throws Exception {
    RunSpec spec = platform.spec(ALL_STAGES.replace("unitMillis: 1}}", "unitMillis: 20}}"));
    RunLauncher launcher = new RunLauncher(platform.client());
    RunLauncher.Launch first = launcher.launch(spec, 0, null);
    RunLauncher.Launch second = launcher.launch(spec, 0, null);
    assertTrue(first.started());
    assertFalse(second.started());
    assertEquals(first.execution().getRunId(), second.execution().getRunId());
    WorkflowStub stub =
        platform.client().newUntypedWorkflowStub(second.execution(), java.util.Optional.empty());
    assertEquals(SampleRunResult.DONE, stub.getResult(SampleRunResult.class).state());
    platform.assertEachUnitRanOnce(spec);
    // launching a finished run again starts a new execution that finds every unit marked and runs
    // none
    RunLauncher.Launch third = launcher.launch(spec, 0, null);
    assertTrue(third.started());
    SampleRunResult again =
        platform
            .client()
            .newUntypedWorkflowStub(third.execution(), java.util.Optional.empty())
            .getResult(SampleRunResult.class);
    assertEquals(SampleRunResult.DONE, again.state());
    platform.assertEachUnitRanOnce(spec);
    for (StepConfig step : Pipeline.steps(spec)) {
      assertTrue(platform.executions(spec, step).values().stream().allMatch(n -> n == 1));
    }
    assertEquals(List.of(), List.of());
  }

  @Test
  void aChangedParameterRerunsThatStageAndWhatIsMadeFromItOnly() throws Exception {
    RunSpec first = platform.spec(ALL_STAGES);
    assertEquals(SampleRunResult.DONE, runToEnd(first).state());
    RunSpec changed =
        platform.spec(
            ALL_STAGES.replace(
                "{stage: segment, implementation: synthetic, params: {unitMillis: 1, subvolumeSize: [512, 512, 6]}}",
                "{stage: segment, implementation: synthetic, params: {unitMillis: 2, subvolumeSize: [512, 512, 6]}}"));
    assertEquals(SampleRunResult.DONE, runToEnd(changed).state());
    // what reads segmentation's outputs reruns (synapses, the segmentation's compression and
    // pyramid, meshes); compress.image reads only the aligned volume and does not
    java.util.Set<String> rerun = new java.util.HashSet<>();
    for (StepConfig step : Pipeline.steps(changed)) {
      if (step.stage().equals("segment")
          || Pipeline.inputsOf(step.qualifiedName()).stream().anyMatch(rerun::contains)) {
        rerun.add(step.qualifiedName());
      }
    }
    assertTrue(rerun.contains("mesh.merge") && !rerun.contains("compress.image"), rerun.toString());
    for (StepConfig step : Pipeline.steps(changed)) {
      boolean downstream = rerun.contains(step.qualifiedName());
      int expected = downstream ? 2 : 1;
      platform
          .executions(changed, step)
          .forEach(
              (unit, n) ->
                  assertEquals(
                      expected,
                      n,
                      step.qualifiedName()
                          + " unit "
                          + unit
                          + (downstream ? " must rerun" : " must not rerun")));
    }
  }
}
