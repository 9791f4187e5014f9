package org.connectome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.connectome.tasks.synthetic.SyntheticUnitRunner;
import org.connectome.temporal.LocalTemporalServer;
import org.connectome.temporal.TemporalBinary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line end to end, each command a separate JVM, on the local default: a real Temporal
 * server (the pinned Temporal CLI's, on SQLite) that the first command of each home starts.
 */
class CliEndToEndTest {
  @TempDir Path dir;

  @AfterEach
  void stopServers() {
    CliProcess.stopServer(dir.resolve("home"));
  }

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

  /** The demo's shape: all seven stages (synthetic), every step of the chain. */
  private Path demoShapedSpec(String sample, int unitMillis) throws IOException {
    Path f = spec(sample, unitMillis);
    Files.writeString(
        f,
        Files.readString(f)
            + """
              - {stage: segment, implementation: synthetic, params: {unitMillis: 20, subvolumeSize: [512, 512, 24]}}
              - {stage: synapses, implementation: synthetic, params: {unitMillis: 20}}
              - {stage: compress, implementation: synthetic, params: {unitMillis: 20}}
              - {stage: mesh, implementation: synthetic, params: {unitMillis: 20, mergeShards: 4}}
            """);
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
    for (int attempt = 1; ; attempt++) {
      try (Stream<Path> files = Files.walk(markers)) {
        files
            .map(p -> p.getFileName().toString())
            .filter(n -> n.startsWith("u") && n.endsWith(".json"))
            .forEach(n -> units.add(Long.parseLong(n.substring(1, n.indexOf('-')))));
        return units;
      } catch (UncheckedIOException | NoSuchFileException e) {
        // a marker's temporary file was renamed into place while the walk read it: look again
        if (attempt == 10) {
          throw e;
        }
        units.clear();
      }
    }
  }

  /** The task processes a command started (not the Temporal server it may have started). */
  private static List<ProcessHandle> taskProcesses(CliProcess p) {
    return p.process
        .toHandle()
        .descendants()
        .filter(h -> h.info().commandLine().map(c -> c.contains("TaskMain")).orElse(false))
        .toList();
  }

  @Test
  void killedMidStageTheRunStaysOnTheServerAndTheSameCommandFinishesItRedoingNoFinishedUnit()
      throws Exception {
    Path spec = spec("kill", 250);
    Path home = dir.resolve("home");
    CliProcess run = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    Path stitch = stepDir("kill", "stitch", "stitch");
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    // markers, not the execution log: a unit logs its run before its marker is written, and on a
    // loaded machine the kill can fall between the two
    while (marked(stitch).size() < 8) {
      assertTrue(run.process.isAlive(), "run ended early:\n" + run.output());
      assertTrue(System.nanoTime() < deadline, "stitch did not get going:\n" + run.output());
      Thread.sleep(50);
    }
    List<ProcessHandle> tasks = taskProcesses(run);
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
    assertTrue(
        CliProcess.server(home).running().isPresent(), "the Temporal server outlives the command");

    // status is read-only and true: the run is running on the server, and no worker serves it
    CliProcess status = CliProcess.start(home, "status", "kill/r1");
    assertEquals(ExitCodes.OK, status.await(60), status.output());
    assertTrue(status.output().contains("temporal   RUNNING, NO LIVE WORKER"), status.output());
    CliProcess list = CliProcess.start(home, "status");
    assertEquals(ExitCodes.OK, list.await(60), list.output());
    assertTrue(list.output().contains("kill/r1"), list.output());

    // the same command again: it attaches to the run on the server and finishes it
    CliProcess again = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    assertEquals(ExitCodes.OK, again.await(180), again.output());
    assertTrue(again.output().contains("attached to running kill/r1"), again.output());
    assertTrue(again.output().contains("is gone: it runs again now"), again.output());

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

    CliProcess done = CliProcess.start(home, "status", "kill/r1", "--events", "200");
    assertEquals(ExitCodes.OK, done.await(60));
    assertTrue(done.output().contains("state      DONE"), done.output());
    assertTrue(done.output().contains("temporal   COMPLETED"), done.output());
  }

  @Test
  void aKilledTemporalServerIsStartedAgainFromItsDatabaseAndTheRunGoesOn() throws Exception {
    Path spec = spec("srv", 250);
    Path home = dir.resolve("home");
    CliProcess run = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    Path stitch = stepDir("srv", "stitch", "stitch");
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (executions(stitch).size() < 6) {
      assertTrue(run.process.isAlive(), "run ended early:\n" + run.output());
      assertTrue(System.nanoTime() < deadline, "stitch did not get going:\n" + run.output());
      Thread.sleep(50);
    }
    long pid = CliProcess.server(home).running().orElseThrow().pid();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL of the server mid-run
    assertEquals(ExitCodes.OK, run.await(240), run.output());
    assertTrue(run.output().contains("Temporal server restarted from"), run.output());
    assertTrue(run.output().contains("srv/r1 done."), run.output());
    assertTrue(CliProcess.server(home).running().orElseThrow().pid() != pid);
    for (String[] step : new String[][] {{"ingest", "ingest"}, {"stitch", "stitch"}}) {
      Map<Long, Integer> runs = executions(stepDir("srv", step[0], step[1]));
      assertEquals(24, runs.size(), step[1]);
      runs.forEach((u, n) -> assertEquals(1, n, step[1] + " unit " + u + " ran once"));
    }
  }

  @Test
  void theRunIsFoundBySearchAttributeAndTheWebUiShowsIt() throws Exception {
    Path spec = spec("uiw", 20);
    Path home = dir.resolve("home");
    CliProcess run = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    assertEquals(ExitCodes.OK, run.await(180), run.output());
    java.util.regex.Matcher link =
        java.util.regex.Pattern.compile("Temporal UI: (http://127\\.0\\.0\\.1:[0-9]+)/\\S+")
            .matcher(run.output());
    assertTrue(link.find(), "the run prints its UI link:\n" + run.output());
    LocalTemporalServer.Endpoint server = CliProcess.server(home).running().orElseThrow();
    assertEquals(server.uiUrl(), link.group(1));

    // the Temporal CLI itself finds the run's workflows by sample, through the server's visibility
    String temporal =
        TemporalBinary.locate(System.getenv(), Path.of("").toAbsolutePath()).toString();
    Process list =
        new ProcessBuilder(
                temporal,
                "workflow",
                "list",
                "--address",
                server.address(),
                "--query",
                "ConnectomeSample=\"uiw\"")
            .redirectErrorStream(true)
            .start();
    String listed = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, list.waitFor(), listed);
    for (String wf :
        List.of(
            "connectome-run/uiw/r1 ",
            "connectome-run/uiw/r1/ingest.ingest/0.0",
            "connectome-run/uiw/r1/align.render/0.0")) {
      assertTrue(listed.contains(wf), wf + " in:\n" + listed);
    }
    Process done =
        new ProcessBuilder(
                temporal,
                "workflow",
                "count",
                "--address",
                server.address(),
                "--query",
                "ConnectomeRun=\"uiw/r1\" AND ConnectomeState=\"DONE\"")
            .redirectErrorStream(true)
            .start();
    String counted = new String(done.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, done.waitFor(), counted);
    assertTrue(counted.contains("Total: 1"), "the run's state is searchable: " + counted);

    // the Web UI at the printed address shows the run's workflows, in headless Chromium
    Path viewer = org.connectome.stages.viewer.ViewerEnvironment.requireBrowser();
    Path png = dir.resolve("temporal-ui.png");
    Process ui =
        new ProcessBuilder(
                org.connectome.stages.viewer.ViewerEnvironment.node(),
                "temporal-ui.mjs",
                "--url",
                server.uiUrl()
                    + "/namespaces/default/workflows?query="
                    + java.net.URLEncoder.encode(
                        "ConnectomeSample=\"uiw\"", StandardCharsets.UTF_8),
                "--expect",
                "connectome-run/uiw/r1/align.render/0.0",
                "--expect",
                "completed",
                "--out",
                png.toString())
            .directory(viewer.toFile())
            .redirectErrorStream(true)
            .start();
    String shown = new String(ui.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, ui.waitFor(), "the Web UI did not show the run: " + shown);
    assertTrue(Files.size(png) > 10_000, "a screenshot of the UI");
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
  void aSecondLaunchAttachesAndCancelFromAThirdProcessEndsBoth() throws Exception {
    Path spec = spec("cancel", 2_000);
    Path home = dir.resolve("home");
    CliProcess run = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    Path stitch = stepDir("cancel", "stitch", "stitch");
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!Files.exists(stitch.resolve("step.json"))) {
      assertTrue(run.process.isAlive(), run.output());
      assertTrue(System.nanoTime() < deadline, run.output());
      Thread.sleep(50);
    }
    // a second launch of the same run does not start it again: it attaches (and works on it too)
    CliProcess second = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    long attachDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!second.output().contains("attached to running cancel/r1")) {
      assertTrue(System.nanoTime() < attachDeadline, second.output());
      Thread.sleep(50);
    }
    List<ProcessHandle> tasks = new java.util.ArrayList<>(taskProcesses(run));
    tasks.addAll(taskProcesses(second));
    CliProcess cancel = CliProcess.start(home, "cancel", "cancel/r1", "--reason", "wrong sample");
    assertEquals(ExitCodes.OK, cancel.await(60), cancel.output());
    assertTrue(cancel.output().contains("sent cancel to cancel/r1"), cancel.output());
    assertEquals(ExitCodes.CANCELLED, run.await(90), run.output());
    assertEquals(ExitCodes.CANCELLED, second.await(60), second.output());
    assertTrue(run.output().contains("cancelled: wrong sample"), run.output());
    long stopDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (tasks.stream().anyMatch(ProcessHandle::isAlive)) {
      assertTrue(System.nanoTime() < stopDeadline, "task processes stopped by the cancel");
      Thread.sleep(50);
    }
    CliProcess status = CliProcess.start(home, "status", "cancel/r1");
    assertEquals(ExitCodes.OK, status.await(60));
    assertTrue(status.output().contains("state      CANCELLED"), status.output());
    assertTrue(status.output().contains("temporal   COMPLETED"), status.output());
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
    // a real Temporal server stands in for the cluster; the commands are separate processes as in
    // production, each told its address
    Path clusterHome = dir.resolve("cluster");
    LocalTemporalServer cluster = CliProcess.server(clusterHome);
    String temporal = cluster.ensureRunning().endpoint().address();
    try {
      String catalog = org.connectome.catalog.Catalog.h2FileUrl(dir.resolve("shared-catalog"));
      Path spec = demoShapedSpec("prod", 150);
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
            ExitCodes.OK, again.await(180), again.output() + "\nworker:\n" + worker.output());
        assertTrue(again.output().contains("attached to running prod/r1"), again.output());
        assertTrue(again.output().contains("prod/r1 done."), again.output());
        for (String[] step : new String[][] {{"ingest", "ingest"}, {"stitch", "stitch"}}) {
          Map<Long, Integer> runs = executions(stepDir("prod", step[0], step[1]));
          assertEquals(24, runs.size());
          runs.values().forEach(n -> assertEquals(1, n, "one run, not two"));
        }
        for (String[] step :
            new String[][] {
              {"segment", "relabel"},
              {"synapses", "index"},
              {"compress", "segmentation"},
              {"mesh", "merge"}
            }) {
          Map<Long, Integer> runs = executions(stepDir("prod", step[0], step[1]));
          assertTrue(runs.size() > 0, step[0] + "." + step[1] + " ran");
          runs.values().forEach(n -> assertEquals(1, n, "one run, not two"));
        }
        CliProcess status =
            CliProcess.start(
                dir.resolve("ops"),
                "status",
                "prod/r1",
                "--temporal",
                temporal,
                "--catalog",
                catalog);
        assertEquals(ExitCodes.OK, status.await(60));
        assertTrue(status.output().contains("state      DONE"), status.output());
        assertTrue(worker.process.isAlive(), "the worker keeps serving");
      } finally {
        worker.process.destroy(); // SIGTERM: the worker shuts down cleanly
        worker.await(60);
      }
      // wrong production settings: one clear line each, exit 5, nothing started
      CliProcess badNamespace =
          CliProcess.start(
              dir.resolve("ops"), "status", "--temporal", temporal, "--namespace", "nosuch");
      assertEquals(ExitCodes.UNAVAILABLE, badNamespace.await(60), badNamespace.output());
      assertTrue(
          badNamespace.output().contains("has no namespace 'nosuch'"), badNamespace.output());
      CliProcess badTls =
          CliProcess.start(
              dir.resolve("ops"),
              "status",
              "--temporal",
              temporal,
              "--tls-ca",
              dir.resolve("missing-ca.pem").toString());
      assertEquals(ExitCodes.UNAVAILABLE, badTls.await(60), badTls.output());
      assertTrue(
          badTls
              .output()
              .contains("--tls-ca: " + dir.resolve("missing-ca.pem") + " is not a readable file"),
          badTls.output());
      CliProcess tlsToPlain =
          CliProcess.start(dir.resolve("ops"), "status", "--temporal", temporal, "--tls");
      assertEquals(ExitCodes.UNAVAILABLE, tlsToPlain.await(60), tlsToPlain.output());
      assertTrue(
          tlsToPlain.output().contains("cannot reach Temporal at " + temporal + " (TLS)"),
          tlsToPlain.output());
    } finally {
      cluster.stop(Duration.ofSeconds(10));
    }
  }
}
