package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.connectome.catalog.RunState;
import org.connectome.catalog.StageState;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.connectome.workflows.samplerun.SampleRunWorkflow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pause, resume, retry-failed and cancel, on real time (no time skipping: waits must be real
 * waits).
 */
class SignalsTest {
  static final String SPEC =
      """
      sample: sig
      run: r1
      dataRoot: DATA
      volume: {sections: 40, width: 512, height: 512}
      executor: {type: local, local: {launcher: thread, maxConcurrentTasks: 2}}
      defaults: {unitsPerTask: 2, tasksPerShard: 1, shardsInFlight: 2}
      autoResume: {maxResumes: 2, backoff: 1h}
      stages:
        - {stage: ingest, implementation: synthetic, params: {unitMillis: 100}}
        - {stage: stitch, implementation: synthetic, params: {unitMillis: 5}}
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

  static void waitFor(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(50);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  int executed(RunSpec spec, String stage) {
    try {
      StepConfig step =
          Pipeline.steps(spec).stream()
              .filter(s -> s.stage().equals(stage))
              .findFirst()
              .orElseThrow();
      return platform.executions(spec, step).size();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void pauseStopsDispatchingAndResumeContinues() throws Exception {
    RunSpec spec = platform.spec(SPEC);
    RunLauncher.Launch launch = launcher.launch(spec, 0, null);
    SampleRunWorkflow wf = launcher.workflow(spec.runId());
    waitFor("ingest to start", Duration.ofSeconds(30), () -> executed(spec, "ingest") >= 4);
    wf.pause();
    // shards in flight finish (however long a loaded machine takes); then nothing moves
    int[] last = {-1};
    waitFor(
        "the shards in flight to finish",
        Duration.ofSeconds(60),
        () -> {
          int now = executed(spec, "ingest");
          boolean settled = now == last[0];
          last[0] = now;
          sleep(1_500);
          return settled;
        });
    int paused = executed(spec, "ingest");
    Thread.sleep(1_500);
    assertEquals(paused, executed(spec, "ingest"), "no unit ran while paused");
    assertTrue(paused < 40);
    assertEquals("PAUSED", wf.progress().state());
    waitFor(
        "the catalog to show the pause",
        Duration.ofSeconds(10),
        () -> platform.catalog.progress().status(spec.runId()).run().state() == RunState.PAUSED);
    wf.resume();
    SampleRunResult result =
        platform
            .client()
            .newUntypedWorkflowStub(launch.execution(), Optional.empty())
            .getResult(SampleRunResult.class);
    assertEquals(SampleRunResult.DONE, result.state());
    platform.assertEachUnitRanOnce(spec);
  }

  @Test
  void retryFailedResumesAWaitingStageAtOnce() throws Exception {
    // every stitch unit fails its first attempt and tasks get one attempt: the stage fails and
    // would wait an hour
    RunSpec spec =
        platform.spec(
            SPEC.replace(
                "{stage: stitch, implementation: synthetic, params: {unitMillis: 5}}",
                "{stage: stitch, implementation: synthetic, retry: {maxAttempts: 1}, "
                    + "params: {unitMillis: 5, failFirstAttempts: 1}}"));
    RunLauncher.Launch launch = launcher.launch(spec, 0, null);
    SampleRunWorkflow wf = launcher.workflow(spec.runId());
    waitFor(
        "stitch to wait for its resume",
        Duration.ofSeconds(60),
        () ->
            platform.catalog.runs().find(spec.runId()).isPresent()
                && platform
                    .catalog
                    .progress()
                    .status(spec.runId())
                    .stage("stitch")
                    .map(s -> s.state() == StageState.WAITING_TO_RESUME)
                    .orElse(false));
    long t0 = System.nanoTime();
    wf.retryFailed();
    WorkflowStub stub =
        platform.client().newUntypedWorkflowStub(launch.execution(), Optional.empty());
    SampleRunResult result = stub.getResult(SampleRunResult.class);
    assertEquals(SampleRunResult.DONE, result.state());
    assertTrue(
        System.nanoTime() - t0 < Duration.ofSeconds(60).toNanos(), "did not wait out the backoff");
    assertEquals(1, result.stages().get(1).resumes());
    platform.assertEachUnitRanOnce(spec);
  }

  @Test
  void cancelStopsTheRunAndRecordsIt() throws Exception {
    RunSpec spec = platform.spec(SPEC.replace("unitMillis: 100", "unitMillis: 400"));
    RunLauncher.Launch launch = launcher.launch(spec, 0, null);
    SampleRunWorkflow wf = launcher.workflow(spec.runId());
    waitFor("ingest to start", Duration.ofSeconds(30), () -> executed(spec, "ingest") >= 2);
    wf.cancel("wrong sample");
    SampleRunResult result =
        platform
            .client()
            .newUntypedWorkflowStub(launch.execution(), Optional.empty())
            .getResult(SampleRunResult.class);
    assertEquals(SampleRunResult.CANCELLED, result.state());
    assertEquals("wrong sample", result.error());
    int atCancel = executed(spec, "ingest");
    Thread.sleep(1_000);
    assertEquals(atCancel, executed(spec, "ingest"), "no unit runs after the run is cancelled");
    assertTrue(atCancel < 40);
    var status = platform.catalog.progress().status(spec.runId());
    assertEquals(RunState.CANCELLED, status.run().state());
    assertEquals(StageState.CANCELLED, status.stage("ingest").orElseThrow().state());
  }
}
