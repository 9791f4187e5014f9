package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.activities.FailedUnits;
import org.connectome.executor.local.LocalExecutor;
import org.connectome.executor.local.ProcessTaskLauncher;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.units.UnitRange;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A unit in the middle of a task exhausts the heap of its task process (a real child JVM with
 * {@code -XX:+ExitOnOutOfMemoryError}, as the local executor starts them): its neighbours are done,
 * it is retried alone up to the policy, then reported failed with its cause.
 */
class PoisonUnitTest {
  @TempDir Path dir;

  @Test
  void aPoisonUnitLeavesItsNeighboursDoneAndIsReportedWithItsCause() throws Exception {
    LocalExecutor processes = new LocalExecutor(ProcessTaskLauncher.withOwnClassPath(List.of()), 2);
    try (TestPlatform platform = new TestPlatform(dir, true, local -> processes)) {
      RunSpec spec =
          platform.spec(
              """
              sample: p
              run: r1
              dataRoot: DATA
              volume: {sections: 8, width: 512, height: 512}
              defaults:
                unitsPerTask: 4
                resources: {memory: 96Mi}
                retry: {maxAttempts: 3, initialBackoff: 10ms, maxBackoff: 50ms}
                failureBudget: {maxFailedUnits: 1}
              stages:
                - {stage: ingest, implementation: synthetic, params: {unitMillis: 1, oomUnits: "2"}}
              """);
      RunLauncher.Launch launch = new RunLauncher(platform.client()).launch(spec, 0, null);
      SampleRunResult result =
          platform
              .client()
              .newUntypedWorkflowStub(launch.execution(), java.util.Optional.empty())
              .getResult(SampleRunResult.class);
      assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
      StepConfig ingest = Pipeline.steps(spec).get(0);
      Map<Long, Integer> executions = platform.executions(spec, ingest);
      assertEquals(List.of(0L, 1L, 3L, 4L, 5L, 6L, 7L), List.copyOf(executions.keySet()));
      executions.forEach((u, n) -> assertEquals(1, n, "unit " + u + " ran once"));
      List<FailedUnits> failures = result.stages().get(0).failures();
      assertEquals(1, failures.size(), failures.toString());
      assertEquals(new UnitRange(2, 3), failures.get(0).units());
      String error = failures.get(0).error();
      assertTrue(
          error.startsWith("unit 2 took down the process of task 0 3 times: task ran out of heap"),
          error);
      assertFalse(error.contains("units 3"), error);
    } finally {
      processes.close();
    }
  }
}
