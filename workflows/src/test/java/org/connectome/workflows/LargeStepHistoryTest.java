package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Path;
import java.util.List;
import org.connectome.catalog.StepStatus;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 100,000-unit step: the workflows keep their histories small by continuing as new, whatever the
 * size. Markers are not forced to disk here (the surefire configuration of this module sets {@code
 * connectome.markers.fsync=false}): this test is about workflow histories, and 100,000 fsyncs would
 * be most of its time.
 */
class LargeStepHistoryTest {
  @TempDir Path dir;

  @Test
  void everyWorkflowExecutionStaysUnderTenThousandEvents() throws Exception {
    try (TestPlatform platform = new TestPlatform(dir, false)) {
      RunSpec spec =
          platform.spec(
              """
          sample: big
          run: r1
          dataRoot: DATA
          volume: {sections: 100000, width: 512, height: 512}
          executor: {type: local, local: {launcher: thread, maxConcurrentTasks: 2}}
          stages:
            - stage: ingest
              implementation: synthetic
              unitsPerTask: 100
              tasksPerShard: 1
              shardsInFlight: 4
              params: {unitMillis: 0, outputBytes: 0}
          """);
      long t0 = System.nanoTime();
      RunLauncher.Launch launch = new RunLauncher(platform.client()).launch(spec, 0, null);
      SampleRunResult result =
          platform
              .client()
              .newUntypedWorkflowStub(launch.execution(), java.util.Optional.empty())
              .getResult(SampleRunResult.class);
      assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
      System.out.printf("run took %.1f s%n", (System.nanoTime() - t0) / 1e9);
      StepStatus step = platform.catalog.progress().status("big/r1").stages().get(0).steps().get(0);
      assertEquals(100_000, step.unitsTotal());
      assertEquals(100_000, step.unitsDone());
      assertEquals(1_000, step.shardsTotal());

      List<WorkflowExecutionHistory> histories = platform.closedHistories();
      int largest = 0;
      int continuedAsNew = 0;
      for (WorkflowExecutionHistory h : histories) {
        List<HistoryEvent> events = h.getEvents();
        largest = Math.max(largest, events.size());
        assertTrue(
            events.size() < 10_000,
            h.getWorkflowExecution().getWorkflowId() + " has " + events.size() + " events");
        if (events.get(events.size() - 1).getEventType()
            == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
          continuedAsNew++;
        }
      }
      assertTrue(
          continuedAsNew >= 2,
          "the 1,000-shard step must have continued as new, did " + continuedAsNew);
      System.out.printf(
          "100,000 units, 1,000 shards: %d executions, largest history %d events, %d continue-as-new%n",
          histories.size(), largest, continuedAsNew);
      platform.assertEachUnitRanOnce(spec);
    }
  }
}
