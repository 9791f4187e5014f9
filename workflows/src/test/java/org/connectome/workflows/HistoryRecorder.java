package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records the workflow histories that {@link ReplayTest} replays. Run it after a deliberate,
 * versioned change of workflow code (and only then): {@code mvn -pl workflows test
 * -Dtest=HistoryRecorder -Dconnectome.recordHistories=real-server} records from a real Temporal
 * server (the local server, started for it) into {@code src/test/resources/histories/real-server/};
 * {@code =test-server} from Temporal's Java test server into {@code src/test/resources/histories/};
 * {@code -Dconnectome.historiesDir=NAME} records into {@code histories/NAME/} instead (a new set
 * after a versioned change: {@code step-graph} holds runs of the plan as a graph, {@code
 * step-rounds} runs with steps in rounds). Commit them; keep the older recordings, which prove that
 * histories of earlier code still replay.
 */
@EnabledIfSystemProperty(named = "connectome.recordHistories", matches = "real-server|test-server")
class HistoryRecorder {
  static final Path HISTORIES = Path.of("src/test/resources/histories");

  @TempDir Path dir;

  @Test
  void record() throws Exception {
    boolean real = "real-server".equals(System.getProperty("connectome.recordHistories"));
    String named = System.getProperty("connectome.historiesDir");
    Path out =
        named != null
            ? HISTORIES.resolve(named)
            : real ? HISTORIES.resolve("real-server") : HISTORIES;
    Files.createDirectories(out);
    try (TestPlatform platform = real ? TestPlatform.onRealServer(dir) : new TestPlatform(dir)) {
      // a whole run through all seven stages, with task retries and one automatic stage resume
      RunSpec spec =
          platform.spec(
              SampleRunWorkflowTest.ALL_STAGES.replace(
                  "{stage: stitch, implementation: synthetic, params: {unitMillis: 1}}",
                  "{stage: stitch, implementation: synthetic, retry: {maxAttempts: 1}, "
                      + "params: {unitMillis: 1, failFirstAttempts: 1}}"));
      run(platform, spec, new WorkflowTuning(null, null));
      // a step that continues as new several times (a small cap stands in for a large step)
      RunSpec big =
          platform.spec(
              """
          sample: can
          run: r1
          dataRoot: DATA
          volume: {sections: 400, width: 512, height: 512}
          executor: {type: local, local: {launcher: thread, maxConcurrentTasks: 2}}
          stages:
            - {stage: ingest, implementation: synthetic, unitsPerTask: 2, tasksPerShard: 2, params: {unitMillis: 0}}
          """);
      run(platform, big, new WorkflowTuning(150, null));
      List<WorkflowExecutionHistory> histories = platform.closedHistories();
      int n = 0;
      StringBuilder index =
          new StringBuilder("# file\tworkflow ID (the JSON history does not hold it)\n");
      for (WorkflowExecutionHistory h : histories) {
        String id = h.getWorkflowExecution().getWorkflowId();
        String file = String.format("%02d-%s.json", n++, id.replaceAll("[^A-Za-z0-9.-]+", "_"));
        Files.writeString(out.resolve(file), h.toJson(true));
        index.append(file).append('\t').append(id).append('\n');
      }
      Files.writeString(out.resolve("index.tsv"), index.toString());
      System.out.println("recorded " + n + " histories in " + out.toAbsolutePath());
    }
  }

  private static void run(TestPlatform platform, RunSpec spec, WorkflowTuning tuning) {
    RunLauncher.Launch l = new RunLauncher(platform.client()).launch(spec, 0, tuning);
    SampleRunResult r =
        platform
            .client()
            .newUntypedWorkflowStub(l.execution(), Optional.empty())
            .getResult(SampleRunResult.class);
    assertEquals(SampleRunResult.DONE, r.state(), String.valueOf(r.error()));
  }
}
