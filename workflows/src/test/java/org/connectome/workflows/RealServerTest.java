package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.connectome.activities.FailedUnits;
import org.connectome.activities.planning.PlanStepOutput;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.units.UnitRange;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.connectome.workflows.step.Failures;
import org.connectome.workflows.step.StepCarry;
import org.connectome.workflows.step.StepInput;
import org.connectome.workflows.step.StepWorkflow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workflows on a real Temporal server (the local server, its pinned binary, SQLite): what the
 * Java test server does not check, its payload limits and its visibility.
 */
class RealServerTest {
  /** Temporal warns about payloads above 256 KB and refuses them above 2 MB. */
  static final int PAYLOAD_WARNING_BYTES = 256 * 1024;

  @TempDir Path dir;
  TestPlatform platform;

  @BeforeEach
  void start() {
    platform = TestPlatform.onRealServer(dir);
  }

  @AfterEach
  void stop() {
    platform.close();
  }

  @Test
  void theLargestStepCarryIsAcceptedFarBelowThePayloadWarning() throws Exception {
    RunSpec spec = platform.spec(SampleRunWorkflowTest.ALL_STAGES);
    StepConfig step = Pipeline.steps(spec).get(0);
    // the worst case the bounds allow: every failure range at its longest error, in characters
    // that take two bytes each in UTF-8, and the planner's longest list of pending shard ranges
    List<FailedUnits> failures = new ArrayList<>();
    for (int i = 0; i < Failures.MAX_RANGES * 3; i++) {
      failures =
          Failures.add(
              failures,
              List.of(
                  FailedUnits.of(
                      UnitRange.single(2L * i), "é\"".repeat(FailedUnits.MAX_ERROR_CHARS), true)));
    }
    assertEquals(Failures.MAX_RANGES, failures.size());
    List<UnitRange> pending = new ArrayList<>();
    for (int i = 0; i < org.connectome.activities.planning.SummarizeStepOutput.MAX_RANGES; i++) {
      pending.add(new UnitRange(1_000_000_000L * i, 1_000_000_000L * i + 999_999_999L));
    }
    StepCarry carry =
        new StepCarry(
            new PlanStepOutput(
                "section",
                Long.MAX_VALUE / 4,
                Long.MAX_VALUE / 8,
                1L << 40,
                0,
                pending,
                "x".repeat(2000)),
            pending,
            0,
            0,
            failures,
            1,
            null);
    WorkflowClient client = platform.client();
    StepWorkflow wf =
        client.newWorkflowStub(
            StepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("largest-carry")
                .setTaskQueue(Pipeline.DEFAULT_TASK_QUEUE)
                .build());
    WorkflowClient.start(wf::run, new StepInput(spec, step, null, carry, true, null));
    WorkflowExecutionHistory h = client.fetchHistory("largest-carry");
    HistoryEvent started = h.getHistory().getEvents(0);
    assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, started.getEventType());
    int bytes = started.getWorkflowExecutionStartedEventAttributes().getInput().getSerializedSize();
    System.out.printf(
        "largest step carry: %d bytes (%.0f %% of the 256 KB payload warning)%n",
        bytes, 100.0 * bytes / PAYLOAD_WARNING_BYTES);
    assertTrue(
        failures.stream().mapToInt(f -> f.error().length()).sum() >= Failures.MAX_TOTAL_ERROR_CHARS,
        "the worst case was built");
    assertTrue(bytes < PAYLOAD_WARNING_BYTES / 4, "carry of " + bytes + " bytes");
    client.newUntypedWorkflowStub("largest-carry").terminate("payload measured");
  }

  @Test
  void aWholeRunOnTheRealServerIsFoundThroughVisibilityBySampleRunAndState() throws Exception {
    RunSpec spec = platform.spec(SampleRunWorkflowTest.ALL_STAGES);
    RunLauncher.Launch l = new RunLauncher(platform.client()).launch(spec, 0, null);
    SampleRunResult r =
        platform
            .client()
            .newUntypedWorkflowStub(l.execution(), Optional.empty())
            .getResult(SampleRunResult.class);
    assertEquals(SampleRunResult.DONE, r.state(), String.valueOf(r.error()));
    platform.assertEachUnitRanOnce(spec);
    // visibility is eventually consistent: wait for the final state to be indexed
    long deadline = System.nanoTime() + 30_000_000_000L;
    long done = 0;
    while (done == 0 && System.nanoTime() < deadline) {
      done =
          platform
              .client()
              .countWorkflows("ConnectomeRun = 't1/r1' AND ConnectomeState = 'DONE'")
              .getCount();
      Thread.sleep(200);
    }
    assertEquals(1, done, "the run's state is searchable");
    long workflows = platform.client().listExecutions("ConnectomeSample = 't1'").count();
    assertEquals(
        1 + Pipeline.steps(spec).size(),
        workflows,
        "the run and each of its steps carry the sample");
  }
}
