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
import org.connectome.files.Crc32c;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.markers.InvalidUnit;
import org.connectome.markers.MarkerCheck;
import org.connectome.markers.MarkerProblem;
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
    return define("step", params, units, perTask);
  }

  private StepLayout define(String name, Map<String, Object> params, long units, int perTask)
      throws Exception {
    StepLayout layout = new StepLayout(dir.resolve(name));
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

  /** A JVM like this one running {@code main}: a task process as a launcher starts it. */
  private static ProcessBuilder javaOnThisClassPath(Class<?> main) {
    return new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp",
        System.getProperty("java.class.path"),
        main.getName());
  }

  @Test
  void childProcessStopsWhenItsLauncherGoesAway() throws Exception {
    StepLayout layout = define(Map.of("unitMillis", 60_000), 1, 1);
    ProcessBuilder pb = javaOnThisClassPath(TaskMain.class);
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

  @Test
  void aReusedTaskJvmRunsRequestsAndStopsWhenItsLauncherGoesAwayMidTask() throws Exception {
    StepLayout quick = define("quick", Map.of("unitMillis", 0), 2, 1);
    ProcessBuilder pb = javaOnThisClassPath(TaskJvmMain.class);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    var in = new java.io.PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8);
    var out =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (int task = 0; task < 2; task++) {
      in.println(
          TaskJvmProtocol.request(
              new TaskJvmProtocol.Request(
                  quick.logFile(task, 1),
                  Map.of(
                      TaskEnv.STEP_DIR,
                      quick.dir().toString(),
                      TaskEnv.TASKS,
                      "0-1",
                      TaskEnv.COMPLETION_INDEX,
                      Integer.toString(task),
                      TaskEnv.ATTEMPT,
                      "1"))));
      TaskJvmProtocol.Reply reply = TaskJvmProtocol.parseReply(out.readLine()).orElseThrow();
      assertEquals(TaskExitCodes.OK, reply.exitCode());
      // the JVM's resident set after the task: megabytes, below what it may reserve
      assertTrue(
          reply.residentBytes() > (1L << 20) && reply.residentBytes() < (4L << 30), "" + reply);
      assertTrue(new MarkerStore(quick.markersDir()).isDone(task, "abc123"), "unit " + task);
      assertTrue(
          Files.readString(quick.logFile(task, 1)).contains("task " + task + " attempt 1"),
          "the task's output is in its own log");
    }
    // a long task, then the pipe closes as a dying launcher's would: the JVM halts at once
    StepLayout slow = define("slow", Map.of("unitMillis", 60_000), 1, 1);
    Path log = slow.logFile(0, 1);
    in.println(
        TaskJvmProtocol.request(
            new TaskJvmProtocol.Request(
                log,
                Map.of(
                    TaskEnv.STEP_DIR, slow.dir().toString(),
                    TaskEnv.TASKS, "0",
                    TaskEnv.COMPLETION_INDEX, "0",
                    TaskEnv.ATTEMPT, "1"))));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!(Files.exists(log) && Files.readString(log).contains("task 0 attempt 1"))) {
      assertTrue(System.nanoTime() < deadline, "the slow task did not start");
      Thread.sleep(20); // polls the log file another process writes
    }
    in.close();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "task JVM did not stop after its stdin closed");
    assertEquals(TaskExitCodes.ORPHANED, p.exitValue());
    assertFalse(new MarkerStore(slow.markersDir()).isDone(0, "abc123"));
  }

  @Test
  void markersRecordOutputsAndUnitsWhoseOutputsOrMarkersDoNotHoldUpRunAgain() throws Exception {
    StepLayout layout = define(Map.of("unitMillis", 0, "outputBytes", 100), 6, 6);
    assertEquals(TaskExitCodes.OK, run(layout, 0, 1).exitCode());
    MarkerStore markers = new MarkerStore(layout.markersDir(), dir);
    CompletionMarker m = markers.read(0, "abc123").orElseThrow();
    assertEquals(1, m.outputs().size());
    assertEquals("step/output/000000/u0-abc123.bin", m.outputs().get(0).path());
    assertEquals(100, m.outputs().get(0).size());
    assertEquals(
        Crc32c.of(dir.resolve("step/output/000000/u0-abc123.bin")), m.outputs().get(0).crc32c());

    Path out = layout.outputDir().resolve("000000");
    Files.delete(out.resolve("u1-abc123.bin")); // output missing
    Files.write(out.resolve("u2-abc123.bin"), new byte[10]); // output cut short
    Path bucket = layout.markersDir().resolve("000000");
    Files.write(bucket.resolve("u3-abc123.json"), new byte[0]); // zero-byte marker
    Files.writeString(bucket.resolve("u4-abc123.json"), "{not json"); // garbage marker
    MarkerCheck check = markers.check(new UnitRange(0, 6), "abc123", MarkerCheck.Depth.SIZES);
    assertEquals(2, check.done().cardinality());
    assertEquals(
        List.of(
            MarkerProblem.OUTPUT_MISSING,
            MarkerProblem.OUTPUT_SIZE,
            MarkerProblem.EMPTY,
            MarkerProblem.UNREADABLE),
        check.invalid().stream().map(InvalidUnit::problem).toList());

    TaskRunner.Result again = run(layout, 0, 2);
    assertEquals(TaskExitCodes.OK, again.exitCode());
    assertEquals(4, again.report().unitsExecuted());
    assertEquals(2, again.report().unitsSkipped());
    assertEquals(100, Files.size(out.resolve("u1-abc123.bin")));
    assertEquals(100, Files.size(out.resolve("u2-abc123.bin")));
    assertEquals(
        6,
        markers
            .check(new UnitRange(0, 6), "abc123", MarkerCheck.Depth.CHECKSUMS)
            .done()
            .cardinality());
    // the bad markers are kept aside for inspection
    assertTrue(Files.exists(layout.markersDir().resolve("invalid/u4-abc123.json")));
  }

  @Test
  void aMarkerNamingAnotherHashOrUnitIsNotDone() throws Exception {
    StepLayout layout = define(Map.of("unitMillis", 0), 2, 2);
    assertEquals(TaskExitCodes.OK, run(layout, 0, 1).exitCode());
    Path bucket = layout.markersDir().resolve("000000");
    Files.copy(
        bucket.resolve("u0-abc123.json"),
        bucket.resolve("u1-abc123.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    MarkerCheck check =
        new MarkerStore(layout.markersDir(), dir)
            .check(new UnitRange(0, 2), "abc123", MarkerCheck.Depth.SIZES);
    assertEquals(MarkerProblem.OTHER_PARAMETERS, check.invalid().get(0).problem());
    assertEquals(1, run(layout, 0, 2).report().unitsExecuted());
  }

  @Test
  void aUnitThrowingAnErrorFailsAloneAndTheTaskGoesOn() throws Exception {
    StepLayout layout = define(Map.of(), 5, 5);
    UnitRunnerFactory deepRecursion =
        (def, l) ->
            unit -> {
              if (unit.unit() == 2) {
                recurse(0);
              }
            };
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TaskRunner.Result r =
        new TaskRunner(
                Clock.systemUTC(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                deepRecursion)
            .run(new TaskInvocation(layout.dir(), 0, 1, "test-host"));
    assertEquals(TaskExitCodes.UNITS_FAILED, r.exitCode());
    assertEquals(4, r.report().unitsExecuted());
    assertEquals(new UnitRange(2, 3), r.report().failures().get(0).units());
    assertTrue(r.report().failures().get(0).error().startsWith("StackOverflowError"));
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1;
  }

  @Test
  void aMissingInputOfAnEarlierStepIsTypedAndNotRetried() throws Exception {
    StepLayout layout = define(Map.of(), 2, 2);
    Path input = dir.resolve("stages/stitch/stitch/output/s0001/montage.raw");
    UnitRunnerFactory reader =
        (def, l) ->
            unit -> {
              try {
                Files.readAllBytes(input);
              } catch (java.io.IOException e) {
                throw new UnitException("cannot read the montage: " + e.getMessage(), true, e);
              }
            };
    TaskRunner.Result r =
        new TaskRunner(Clock.systemUTC(), new PrintStream(new ByteArrayOutputStream()), reader)
            .run(new TaskInvocation(layout.dir(), 0, 1, "test-host"));
    assertEquals(TaskExitCodes.UNITS_FAILED_PERMANENTLY, r.exitCode());
    assertEquals(
        "stages/stitch/stitch/output/s0001/montage.raw",
        r.report().failures().get(0).missingInput());
  }

  /**
   * A unit that exhausts the heap of a real task process (started as the local executor starts it,
   * with {@code -XX:+ExitOnOutOfMemoryError}) takes the process down; the next attempt runs the
   * task's other units first, and the unit alone after that.
   */
  @Test
  void aUnitThatKillsItsProcessRunsAfterTheOthersOnTheNextAttempt() throws Exception {
    StepLayout layout = define(Map.of("unitMillis", 0, "oomUnits", "1"), 4, 4);
    assertEquals(TaskExitCodes.OUT_OF_MEMORY, runProcess(layout, 1));
    MarkerStore markers = new MarkerStore(layout.markersDir(), dir);
    assertEquals(1, markers.countDone(new UnitRange(0, 4), "abc123")); // unit 0 only
    assertEquals(TaskExitCodes.OUT_OF_MEMORY, runProcess(layout, 2));
    // units 2 and 3 ran before the poison unit on the second attempt
    assertEquals(3, markers.countDone(new UnitRange(0, 4), "abc123"));
    assertFalse(markers.isDone(1, "abc123"));
    assertEquals(Map.of(1L, 1), CrashedUnits.read(CrashedUnits.crashedFile(layout, 0)));
    assertEquals(1L, CrashedUnits.readRunning(CrashedUnits.runningFile(layout, 0)));
    String log = Files.readString(layout.logFile(0, 2));
    assertTrue(log.contains("unit 1 took down 1 earlier process of this task"), log);
  }

  private int runProcess(StepLayout layout, int attempt) throws Exception {
    Files.createDirectories(layout.logsDir());
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx64m",
            "-XX:+ExitOnOutOfMemoryError",
            "-cp",
            System.getProperty("java.class.path"),
            TaskMain.class.getName());
    pb.environment().put(TaskEnv.STEP_DIR, layout.dir().toString());
    pb.environment().put(TaskEnv.TASKS, "0");
    pb.environment().put(TaskEnv.COMPLETION_INDEX, "0");
    pb.environment().put(TaskEnv.ATTEMPT, Integer.toString(attempt));
    pb.redirectErrorStream(true);
    pb.redirectOutput(layout.logFile(0, attempt).toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the task did not end");
    return p.exitValue();
  }
}
