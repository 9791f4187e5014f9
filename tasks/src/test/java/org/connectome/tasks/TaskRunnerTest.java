package org.connectome.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.connectome.layout.StepLayout;
import org.connectome.markers.MarkerStore;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskEnv;
import org.connectome.task.TaskExitCodes;
import org.connectome.tasks.synthetic.SyntheticUnitRunner;
import org.connectome.units.Grouping;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskRunnerTest {
  @TempDir Path dir;

  private StepLayout define(Map<String, Object> params, long units, int perTask) throws Exception {
    StepLayout layout = new StepLayout(dir.resolve("step"));
    new TaskDefinition(
            "s/r",
            "stitch",
            "stitch",
            "synthetic",
            params,
            "abc123",
            "test",
            new StepPlan(
                new UnitSpace("section", units, null, "test"), new Grouping(units, perTask, 4)),
            dir.toString(),
            null,
            null)
        .write(layout.definitionFile());
    return layout;
  }

  private TaskRunner.Result run(StepLayout layout, long task, int attempt) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    return new TaskRunner(Clock.systemUTC(), new PrintStream(out, true, StandardCharsets.UTF_8))
        .run(new TaskInvocation(layout.dir(), task, attempt, "test-host"));
  }

  @Test
  void runsEveryUnitOnceAndSkipsThemOnRerun() throws Exception {
    StepLayout layout = define(Map.of("unitMillis", 0), 25, 10);
    TaskRunner.Result first = run(layout, 2, 1);
    assertEquals(TaskExitCodes.OK, first.exitCode());
    assertEquals(5, first.report().unitsExecuted());
    MarkerStore markers = new MarkerStore(layout.markersDir());
    assertEquals(5, markers.countDone(new UnitRange(0, 25), "abc123"));
    assertTrue(markers.isDone(24, "abc123"));
    assertEquals(5, Files.list(layout.outputDir().resolve("000000")).count());
    TaskRunner.Result second = run(layout, 2, 2);
    assertEquals(0, second.report().unitsExecuted());
    assertEquals(5, second.report().unitsSkipped());
    assertEquals(
        5, Files.readAllLines(layout.dir().resolve(SyntheticUnitRunner.EXECUTION_LOG)).size());
  }

  @Test
  void failingUnitsDoNotStopTheTaskAndAreReportedAsRanges() throws Exception {
    StepLayout layout =
        define(Map.of("unitMillis", 0, "failUnits", "3-5", "permanentFailUnits", "8"), 10, 10);
    TaskRunner.Result r = run(layout, 0, 1);
    assertEquals(TaskExitCodes.UNITS_FAILED, r.exitCode());
    assertEquals(6, r.report().unitsExecuted());
    assertEquals(4, r.report().unitsFailed());
    assertEquals(2, r.report().failures().size());
    assertEquals(new UnitRange(3, 6), r.report().failures().get(0).units());
    assertTrue(r.report().failures().get(0).retryable());
    assertFalse(r.report().failures().get(1).retryable());
    assertTrue(Files.exists(layout.reportFile(0)));
  }

  @Test
  void onlyPermanentFailuresGiveTheNonRetryableExitCode() throws Exception {
    StepLayout layout = define(Map.of("unitMillis", 0, "permanentFailUnits", List.of(1)), 4, 4);
    assertEquals(TaskExitCodes.UNITS_FAILED_PERMANENTLY, run(layout, 0, 1).exitCode());
  }

  @Test
  void failFirstAttemptsCountsAttemptsAcrossRuns() throws Exception {
    StepLayout layout = define(Map.of("unitMillis", 0, "failFirstAttempts", 2), 3, 3);
    assertEquals(TaskExitCodes.UNITS_FAILED, run(layout, 0, 1).exitCode());
    assertEquals(TaskExitCodes.UNITS_FAILED, run(layout, 0, 2).exitCode());
    TaskRunner.Result third = run(layout, 0, 3);
    assertEquals(TaskExitCodes.OK, third.exitCode());
    assertEquals(3, third.report().unitsExecuted());
  }

  @Test
  void badDefinitionAndBadArgumentsAreNotRetryable() throws Exception {
    assertEquals(
        TaskExitCodes.BAD_DEFINITION, run(new StepLayout(dir.resolve("missing")), 0, 1).exitCode());
    StepLayout layout = define(Map.of(), 4, 4);
    assertEquals(TaskExitCodes.BAD_DEFINITION, run(layout, 7, 1).exitCode());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        TaskMain.run(
            Map.of(
                TaskEnv.STEP_DIR,
                layout.dir().toString(),
                TaskEnv.TASKS,
                "0-1",
                TaskEnv.COMPLETION_INDEX,
                "5"),
            new String[0],
            new PrintStream(out, true, StandardCharsets.UTF_8));
    assertEquals(TaskExitCodes.BAD_DEFINITION, code);
    assertTrue(
        out.toString(StandardCharsets.UTF_8).contains("holds 2 tasks"),
        out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void completionIndexSelectsTheTaskFromTheShardsTaskList() throws Exception {
    TaskInvocation inv =
        TaskInvocation.from(
            Map.of(
                TaskEnv.STEP_DIR,
                "/x",
                TaskEnv.TASKS,
                "3,7,12-15",
                TaskEnv.COMPLETION_INDEX,
                "3",
                TaskEnv.ATTEMPT,
                "2"),
            new String[0]);
    assertEquals(13, inv.task());
    assertEquals(2, inv.attempt());
  }

  @Test
  void childProcessStopsWhenItsLauncherGoesAway() throws Exception {
    StepLayout layout = define(Map.of("unitMillis", 60_000), 1, 1);
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            TaskMain.class.getName());
    pb.environment().put(TaskEnv.STEP_DIR, layout.dir().toString());
    pb.environment().put(TaskEnv.TASKS, "0");
    pb.environment().put(TaskEnv.COMPLETION_INDEX, "0");
    pb.environment().put(TaskEnv.PARENT_WATCHDOG, "stdin");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    // wait until the task has started its unit (its first log line), then close the pipe as a dying
    // parent would
    var out =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String first = out.readLine();
    assertTrue(first != null && first.contains("task 0 attempt 1"), String.valueOf(first));
    p.getOutputStream().close();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "task did not stop after its stdin closed");
    assertEquals(TaskExitCodes.ORPHANED, p.exitValue());
    assertFalse(new MarkerStore(layout.markersDir()).isDone(0, "abc123"));
  }
}
