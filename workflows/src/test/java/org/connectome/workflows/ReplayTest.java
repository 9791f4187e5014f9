package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.connectome.workflows.samplerun.SampleRunWorkflowImpl;
import org.connectome.workflows.step.StepWorkflowImpl;
import org.junit.jupiter.api.Test;

/**
 * Replays recorded histories against the current workflow code: a change that would break runs in
 * flight (a new activity call, a reordered command) fails here instead of in production. Histories
 * are recorded by {@link HistoryRecorder}; a deliberate change must use {@code Workflow.getVersion}
 * so that old histories still replay.
 */
class ReplayTest {
  @Test
  void recordedHistoriesReplayOnTheCurrentCode() throws Exception {
    replay(Path.of("src/test/resources/histories"));
  }

  @Test
  void historiesRecordedFromARealTemporalServerReplayOnTheCurrentCode() throws Exception {
    replay(Path.of("src/test/resources/histories/real-server"));
  }

  @Test
  void historiesOfThePlanAsAGraphReplayOnTheCurrentCode() throws Exception {
    replay(Path.of("src/test/resources/histories/step-graph"));
  }

  @Test
  void historiesOfStepsInRoundsReplayOnTheCurrentCode() throws Exception {
    // synapses.index in two rounds: the box's shard, then (after it completed) the bucket's
    replay(Path.of("src/test/resources/histories/step-rounds"));
  }

  private static void replay(Path dir) throws Exception {
    List<String[]> entries =
        Files.readAllLines(dir.resolve("index.tsv")).stream()
            .filter(l -> !l.startsWith("#") && !l.isBlank())
            .map(l -> l.split("\t"))
            .toList();
    assertTrue(entries.size() >= 10, "expected recorded histories in " + dir.toAbsolutePath());
    boolean sawContinueAsNew = false;
    for (String[] e : entries) {
      String json = Files.readString(dir.resolve(e[0]));
      sawContinueAsNew |= json.contains("EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW");
      WorkflowReplayer.replayWorkflowExecution(
          WorkflowExecutionHistory.fromJson(json, e[1]),
          SampleRunWorkflowImpl.class,
          StepWorkflowImpl.class);
    }
    assertTrue(sawContinueAsNew, "the recorded histories include a step that continued as new");
  }
}
