package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunEvent;
import org.connectome.executor.ExecutorException;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.TaskResult;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output a later step reads goes missing while the run is going on: the step that reads it fails
 * on it (not retried: no retry brings a file back), the run runs again the step that wrote it,
 * whose planning finds the output gone and runs that unit, then the reading step goes on; no
 * automatic resume is spent. The executor here is the real local executor, wrapped only to delete
 * the file at the moment the reading step's first shard starts.
 */
class MissingInputRepairTest {
  @TempDir Path dir;

  @Test
  void aMissingInputIsRestoredByTheStepThatWroteItInsteadOfFutileResumes() throws Exception {
    AtomicBoolean deleted = new AtomicBoolean();
    Path[] ingestOutput = new Path[1];
    try (TestPlatform platform =
        new TestPlatform(
            dir,
            true,
            executor ->
                new StageExecutor() {
                  @Override
                  public List<TaskResult> runShard(ShardRequest r, ShardListener l)
                      throws InterruptedException, ExecutorException {
                    if (r.step().qualifiedName().equals("stitch.stitch")
                        && deleted.compareAndSet(false, true)) {
                      try {
                        Files.delete(ingestOutput[0]);
                      } catch (java.io.IOException e) {
                        throw new ExecutorException("test: " + e, e);
                      }
                    }
                    return executor.runShard(r, l);
                  }

                  @Override
                  public String describe() {
                    return executor.describe();
                  }
                })) {
      RunSpec spec =
          platform.spec(
              """
              sample: m
              run: r1
              dataRoot: DATA
              volume: {sections: 4, width: 512, height: 512}
              executor: {type: local, local: {launcher: thread}}
              defaults:
                unitsPerTask: 1
                retry: {maxAttempts: 2, initialBackoff: 10ms, maxBackoff: 50ms}
              autoResume: {maxResumes: 3, backoff: 1h}
              stages:
                - {stage: ingest, implementation: synthetic, params: {unitMillis: 1, outputBytes: 10}}
                - stage: stitch
                  implementation: synthetic
                  params: {unitMillis: 1, readOutputsOf: ingest.ingest}
              """);
      StepConfig ingest = Pipeline.steps(spec).get(0);
      ingestOutput[0] =
          dir.resolve("data/m/r1/stages/ingest/ingest/output/000000")
              .resolve("u2-" + ingest.paramsHash() + ".bin");
      RunLauncher.Launch launch = new RunLauncher(platform.client()).launch(spec, 0, null);
      SampleRunResult result =
          platform
              .client()
              .newUntypedWorkflowStub(launch.execution(), java.util.Optional.empty())
              .getResult(SampleRunResult.class);
      assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
      assertTrue(deleted.get());
      assertTrue(Files.exists(ingestOutput[0]), "the ingest output is back");
      assertEquals(2, platform.executions(spec, ingest).get(2L), "ingest unit 2 ran again");
      assertEquals(1, platform.executions(spec, ingest).get(1L));
      StepConfig stitch = Pipeline.steps(spec).get(1);
      platform.executions(spec, stitch).forEach((u, n) -> assertEquals(1, n, "stitch unit " + u));
      assertEquals(0, result.stages().get(1).resumes(), "no automatic resume was spent");
      List<RunEvent> events = platform.catalog.events().latest("m/r1", 50);
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e.kind() == EventKind.STAGE_RESUMED
                          && e.message()
                              .contains(
                                  "stitch.stitch: input missing: stages/ingest/ingest/output/000000/u2-")
                          && e.message().contains("running ingest.ingest again to restore it")),
          events.toString());
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e.kind() == EventKind.UNITS_REDONE
                          && e.message()
                              .startsWith("1 unit of ingest.ingest redone: output missing")),
          events.toString());
    }
  }
}
