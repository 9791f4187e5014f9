package org.connectome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.connectome.tasks.synthetic.SyntheticUnitRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end, each command a separate JVM on the embedded default. */
class CliEndToEndTest {
  @TempDir Path dir;

  /** A three-stage spec with child-process tasks: 24 sections, 2 units of 250 ms per task. */
  private Path spec(String sample, int unitMillis) throws IOException {
    Path f = dir.resolve(sample + ".yaml");
    Files.writeString(
        f,
        """
        sample: SAMPLE
        run: r1
        dataRoot: data
        volume: {sections: 24, width: 1024, height: 1024}
        executor: {type: local, local: {launcher: process, maxConcurrentTasks: 2}}
        defaults:
          unitsPerTask: 2
          tasksPerShard: 3
          shardsInFlight: 2
          resources: {memory: 128Mi}
        stages:
          - {stage: ingest, implementation: synthetic, params: {unitMillis: 20}}
          - {stage: stitch, implementation: synthetic, params: {unitMillis: MILLIS}}
          - {stage: align, implementation: synthetic, params: {unitMillis: 20, renderBlockSize: [512, 512, 24]}}
        """
            .replace("SAMPLE", sample)
            .replace("MILLIS", Integer.toString(unitMillis)));
    return f;
  }

  private Path stepDir(String sample, String stage, String step) {
    return dir.resolve("data")
        .resolve(sample)
        .resolve("r1")
        .resolve("stages")
        .resolve(stage)
        .resolve(step);
  }

  /** Completed executions per unit of a step. */
  private Map<Long, Integer> executions(Path stepDir) throws IOException {
    Map<Long, Integer> counts = new TreeMap<>();
    Path log = stepDir.resolve(SyntheticUnitRunner.EXECUTION_LOG);
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log)) {
        counts.merge(Long.parseLong(line.split("\t")[0]), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** Units with a completion marker. */
  private Set<Long> marked(Path stepDir) throws IOException {
    Set<Long> units = new HashSet<>();
    Path markers = stepDir.resolve("markers");
    if (!Files.isDirectory(markers)) {
      return units;
    }
    try (Stream<Path> files = Files.walk(markers)) {
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("u") && n.endsWith(".json"))
          .forEach(n -> units.add(Long.parseLong(n.substring(1, n.indexOf('-')))));
    }
    return units;
  }

  @Test
  void workerKilledMidStageThenResumeRunsEveryFinishedUnitExactlyOnce() throws Exception {
    Path spec = spec("kill", 250);
    Path home = dir.resolve("home");
    CliProcess run = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    Path stitch = stepDir("kill", "stitch", "stitch");
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (executions(stitch).size() < 8) {
      assertTrue(run.process.isAlive(), "run ended early:\n" + run.output());
      assertTrue(System.nanoTime() < deadline, "stitch did not get going:\n" + run.output());
      Thread.sleep(50);
    }
    List<ProcessHandle> tasks = run.process.toHandle().descendants().toList();
    run.process.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
    run.process.waitFor();
    Set<Long> finishedAtKill = marked(stitch);
    assertTrue(
        finishedAtKill.size() >= 8 && finishedAtKill.size() < 24,
        "killed mid-stage: " + finishedAtKill);
    // the task processes notice their launcher is gone and stop: no orphan keeps running units
    long orphanDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (tasks.stream().anyMatch(ProcessHandle::isAlive)) {
      assertTrue(System.nanoTime() < orphanDeadline, "orphaned task processes still alive");
      Thread.sleep(50);
    }

    CliProcess resume = CliProcess.start(home, "resume", "kill/r1", "--metrics-port", "-1");
    assertEquals(ExitCodes.OK, resume.await(120), resume.output());
    assertTrue(resume.output().contains("relaunching kill/r1"), resume.output());

    Map<Long, Integer> stitchRuns = executions(stitch);
    assertEquals(24, stitchRuns.size(), "every unit ran");
    assertEquals(24, marked(stitch).size());
    for (long u : finishedAtKill) {
      assertEquals(
          1,
          stitchRuns.get(u),
          "unit " + u + " was finished before the kill and must not run again");
    }
    // a unit in flight at the kill may have completed its work but not its marker: at most one per
    // running task
    long extra = stitchRuns.values().stream().mapToLong(n -> n - 1).sum();
    assertTrue(extra <= 2, "units executed twice: " + extra + " " + stitchRuns);
    assertEquals(24, executions(stepDir("kill", "ingest", "ingest")).size());
    executions(stepDir("kill", "ingest", "ingest")).values().forEach(n -> assertEquals(1, n));
    assertEquals(4, executions(stepDir("kill", "align", "render")).size()); // 2 x 2 blocks of 512

    CliProcess status = CliProcess.start(home, "status", "kill/r1", "--events", "200");
    assertEquals(ExitCodes.OK, status.await(60));
    assertTrue(status.output().contains("state      DONE"), status.output());
    assertTrue(status.output().contains("RUN_RESUMED"), status.output());
  }

  @Test
  void metricsDuringTheRunAndASecondLaunchThatRunsNothing() throws Exception {
    Path spec = spec("metrics", 150);
    Path home = dir.resolve("home");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CliProcess run =
        CliProcess.start(home, "run", spec.toString(), "--metrics-port", Integer.toString(port));
    HttpClient http = HttpClient.newHttpClient();
    String scrape = "";
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!(scrape.contains(
            "connectome_units_total{outcome=\"done\",sample=\"metrics\",stage=\"stitch\"")
        && scrape.contains(
            "connectome_stage_units{sample=\"metrics\",stage=\"stitch\",state=\"total\"} 24.0"))) {
      assertTrue(
          run.process.isAlive(),
          "run ended before metrics showed stitch progress:\n" + run.output());
      assertTrue(System.nanoTime() < deadline, "no per-stage metrics during the run:\n" + scrape);
      Thread.sleep(200);
      try {
        scrape =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
      } catch (IOException notYet) {
        // the endpoint starts with the worker
      }
    }
    assertTrue(
        scrape.contains(
            "connectome_stage_state{sample=\"metrics\",stage=\"stitch\",state=\"RUNNING\"} 1.0"),
        scrape);
    assertTrue(scrape.contains("connectome_tasks_in_flight"), scrape);
    assertTrue(scrape.contains("temporal_"), "Temporal SDK metrics in the same registry");
    assertTrue(scrape.contains("jvm_memory_used_bytes"), "JVM metrics");
    assertEquals(ExitCodes.OK, run.await(120), run.output());
    assertTrue(run.output().contains("metrics/r1 done."), run.output());

    Map<Long, Integer> before = executions(stepDir("metrics", "stitch", "stitch"));
    long t0 = System.nanoTime();
    CliProcess again = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    assertEquals(ExitCodes.OK, again.await(60), again.output());
    System.out.printf("second launch of a finished run: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    assertEquals(
        before, executions(stepDir("metrics", "stitch", "stitch")), "a second launch runs no unit");
    assertEquals(24, executions(stepDir("metrics", "ingest", "ingest")).size());
  }

  @Test
  void aSecondLaunchFollowsAndCancelFromAnotherProcessReachesTheDrivingProcess() throws Exception {
    Path spec = spec("cancel", 2_000);
    Path home = dir.resolve("home");
    CliProcess run = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    Path stitch = stepDir("cancel", "stitch", "stitch");
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!Files.exists(stitch.resolve("step.json"))) {
      assertTrue(run.process.isAlive(), run.output());
      assertTrue(System.nanoTime() < deadline, run.output());
      Thread.sleep(50);
    }
    List<ProcessHandle> tasks = run.process.toHandle().descendants().toList();
    // a second launch of the same run does not start it again: it follows the process that drives
    // it
    CliProcess second = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    long followDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!second.output().contains("already being driven by process")) {
      assertTrue(System.nanoTime() < followDeadline, second.output());
      Thread.sleep(50);
    }
    CliProcess cancel = CliProcess.start(home, "cancel", "cancel/r1", "--reason", "wrong sample");
    assertEquals(ExitCodes.OK, cancel.await(60), cancel.output());
    assertEquals(ExitCodes.CANCELLED, run.await(90), run.output());
    assertEquals(ExitCodes.CANCELLED, second.await(60), second.output());
    assertTrue(run.output().contains("cancelled: wrong sample"), run.output());
    assertTrue(
        tasks.stream().noneMatch(ProcessHandle::isAlive), "task processes stopped by the cancel");
    CliProcess status = CliProcess.start(home, "status", "cancel/r1");
    assertEquals(ExitCodes.OK, status.await(60));
    assertTrue(status.output().contains("state      CANCELLED"), status.output());
  }

  @Test
  void invalidSpecsExitWithCodeTwoAndNameFileLineAndField() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad,
        """
        sample: s
        run: r
        stages:
          - stage: stitch
            implementation: synthetic
            unitsPerTask: 0
          - stage: ingest
            implementation: synthetic
            params: {failProbability: 2}
        """);
    CliProcess p = CliProcess.start(dir.resolve("home"), "run", bad.toString());
    assertEquals(ExitCodes.USAGE, p.await(60));
    String out = p.output();
    assertTrue(out.contains("bad.yaml:6: stages[0].unitsPerTask: must be > 0"), out);
    assertTrue(out.contains("nothing was started"), out);
    CliProcess unknown = CliProcess.start(dir.resolve("home"), "status", "nosuch/run");
    assertEquals(ExitCodes.NOT_FOUND, unknown.await(60));
    CliProcess missing =
        CliProcess.start(dir.resolve("home"), "run", dir.resolve("missing.yaml").toString());
    assertEquals(ExitCodes.USAGE, missing.await(60));
    assertTrue(missing.output().contains("missing.yaml: no such spec file"), missing.output());
  }

  @Test
  void productionModeWorkersOnAClusterAndALaunchThatFindsTheRunRunning() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // a Temporal frontend on a port stands in for the cluster; the commands are separate processes
    // as in production
    try (var cluster = io.temporal.testserver.TestServer.createPortBoundServer(port, true)) {
      String temporal = "localhost:" + port;
      String catalog = org.connectome.catalog.Catalog.h2FileUrl(dir.resolve("shared-catalog"));
      Path spec = spec("prod", 150);
      CliProcess worker =
          CliProcess.start(
              dir.resolve("worker-home"),
              "worker",
              "--temporal",
              temporal,
              "--catalog",
              catalog,
              "--metrics-port",
              "-1",
              "--max-concurrent-tasks",
              "2");
      try {
        CliProcess detached =
            CliProcess.start(
                dir.resolve("ops"),
                "run",
                spec.toString(),
                "--temporal",
                temporal,
                "--catalog",
                catalog,
                "--detach");
        assertEquals(ExitCodes.OK, detached.await(60), detached.output());
        assertTrue(detached.output().contains("started prod/r1"), detached.output());
        CliProcess again =
            CliProcess.start(
                dir.resolve("ops"),
                "run",
                spec.toString(),
                "--temporal",
                temporal,
                "--catalog",
                catalog,
                "--no-progress");
        assertEquals(
            ExitCodes.OK, again.await(120), again.output() + "\nworker:\n" + worker.output());
        assertTrue(again.output().contains("attached to running prod/r1"), again.output());
        assertTrue(again.output().contains("prod/r1 done."), again.output());
        for (String[] step : new String[][] {{"ingest", "ingest"}, {"stitch", "stitch"}}) {
          Map<Long, Integer> runs = executions(stepDir("prod", step[0], step[1]));
          assertEquals(24, runs.size());
          runs.values().forEach(n -> assertEquals(1, n, "one run, not two"));
        }
        CliProcess status =
            CliProcess.start(dir.resolve("ops"), "status", "prod/r1", "--catalog", catalog);
        assertEquals(ExitCodes.OK, status.await(60));
        assertTrue(status.output().contains("state      DONE"), status.output());
        assertTrue(worker.process.isAlive(), "the worker keeps serving");
      } finally {
        worker.process.destroy(); // SIGTERM: the worker shuts down cleanly
        worker.await(60);
      }
    }
  }
}
