package org.connectome.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.connectome.simulator.SimulatedMicroscope;
import org.connectome.simulator.SimulationParams;
import org.connectome.simulator.SimulationResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The dashboards and alert rules against a real Prometheus (Debian's package: a private
 * configuration and data folder, a free port, a 1 s scrape interval) scraping a real sample run on
 * the local default: {@code connectome worker} (on the local Temporal server it starts, with
 * /metrics) and {@code connectome run --temporal} as child JVMs. The sample comes from the
 * simulated microscope with missing, truncated and re-imaged tiles (reference ingest quarantines
 * some), stitching fails units at random (retries, failures) and alignment's first step fails twice
 * per unit (a failed stage and an automatic resume). The server keeps serving /metrics after the
 * run, as a production worker does, so the run's final state is scraped too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveDashboardsTest {
  static final String SAMPLE = "mon";
  private static final Duration STEP = Duration.ofSeconds(1);

  private Path dir;
  private Prometheus prom;
  private Cli server;
  private HttpServer hooks;
  private final Map<String, List<String>> posts = new ConcurrentHashMap<>();
  private String scrape;
  private Instant start;
  private Instant end;
  private Map<String, String> vars;

  @BeforeAll
  void runASampleWhileARealPrometheusScrapesIt() throws Exception {
    Path prometheus = Tools.prometheus();
    long t0 = System.nanoTime();
    // drawing the README's picture takes a longer run (a minute or two) than the check needs
    boolean picture = System.getenv("CX_DASHBOARD_PICTURE") != null;
    int sections = picture ? 16 : 8;
    dir = Files.createTempDirectory("cx-monitoring-");
    SimulationParams params =
        SimulationParams.preset(picture ? "demo" : "smoke").toBuilder()
            .sections(sections)
            .faults(
                SimulationParams.Faults.NONE
                    .with("missing", 1)
                    .with("truncated", 1)
                    .with("reimaged", 1))
            .build();
    SimulationResult sim = SimulatedMicroscope.generate(dir.resolve("microscope"), params, 2);

    hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hooks.createContext(
        "/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          posts
              .computeIfAbsent(
                  ex.getRequestURI().getPath(),
                  k -> Collections.synchronizedList(new ArrayList<>()))
              .add(body);
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    hooks.start();

    int temporalPort = Tools.freePort();
    int metricsPort = Tools.freePort();
    prom =
        Prometheus.start(
            prometheus,
            dir.resolve("prometheus"),
            "connectome",
            List.of("127.0.0.1:" + metricsPort),
            List.of(Tools.dashboards().resolve("alerts/connectome-alerts.yaml")));
    Path home = dir.resolve("home");
    server =
        Cli.start(
            home,
            Map.of("CX_TEMPORAL_PORT", Integer.toString(temporalPort)),
            "worker",
            "--metrics-port",
            Integer.toString(metricsPort),
            "--launcher",
            "thread",
            "--max-concurrent-tasks",
            "2",
            "--notify-webhook",
            hook("/server"));
    server.awaitOutput("worker connected to", 120);
    long ready = System.nanoTime();
    start = Instant.now().minusSeconds(2);

    Path spec = dir.resolve("mon.yaml");
    Files.writeString(
        spec,
        """
        sample: mon
        run: r1
        description: monitoring check
        acquisition: ACQ
        dataRoot: data
        volume: {sections: SECTIONS, width: WIDTH, height: HEIGHT, mfovsPerSection: MFOVS, beams: 7}
        executor: {type: local, local: {launcher: thread, maxConcurrentTasks: 2}}
        defaults:
          unitsPerTask: 1
          tasksPerShard: 2
          shardsInFlight: 2
          retry: {maxAttempts: 3, initialBackoff: 200ms, maxBackoff: 1s}
          resources: {memory: 128Mi}
        autoResume: {maxResumes: 5, backoff: 500ms, backoffMultiplier: 1}
        notifications:
          runLink: "http://grafana.example.org/d/connectome-run/connectome-run?var-sample={sample}&run={run}"
          webhooks:
            - {url: "SPEC_HOOK", events: [run_finished, stage_resumed]}
        stages:
          - {stage: ingest, implementation: reference, params: {maxBadTiles: 3}}
          - stage: stitch
            implementation: synthetic
            params: {unitMillis: STITCH_MS, jitter: 0.3, failProbability: 0.3, seed: 7}
          - stage: align
            implementation: synthetic
            params: {unitMillis: ALIGN_MS, renderBlockSize: [256, 256, 8]}
            retry: {maxAttempts: 2, initialBackoff: 100ms}
            steps:
              pairs: {params: {failFirstAttempts: 2}}
        """
            .replace("ACQ", sim.acquisition().toString())
            .replace("WIDTH", Integer.toString(sim.width()))
            .replace("SECTIONS", Integer.toString(sections))
            .replace("MFOVS", Integer.toString(params.mfovs()))
            .replace("STITCH_MS", picture ? "2500" : "700")
            .replace("ALIGN_MS", picture ? "900" : "150")
            .replace("HEIGHT", Integer.toString(sim.height()))
            .replace("SPEC_HOOK", hook("/spec")));
    Cli run =
        Cli.start(
            home,
            Map.of(),
            "run",
            spec.toString(),
            "--temporal",
            "127.0.0.1:" + temporalPort,
            "--no-progress");
    assertEquals(0, run.await(240), run.output() + "\n--- server:\n" + server.output());
    long ran = System.nanoTime();

    // the run's final state and the SDK's last report (every 5 s) reach Prometheus
    awaitData("max(connectome_run_state{sample=\"mon\", state=\"DONE\"})", 30);
    awaitData("sum(temporal_workflow_completed_total{workflow_type=\"SampleRunWorkflow\"})", 30);
    awaitData(
        "sum(connectome_notifications_total{event=\"run_finished\", outcome=\"sent\"}) >= 2", 30);
    Thread.sleep(2_000);
    end = Instant.now();
    vars = DashboardFilesTest.variables(SAMPLE, Duration.between(start, end).toSeconds() + "s");
    scrape =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    System.out.printf(
        "live check: server ready in %.1f s, run %.1f s, final scrape after %.1f s; total %.1f s%n",
        (ready - t0) / 1e9,
        (ran - ready) / 1e9,
        (System.nanoTime() - ran) / 1e9,
        (System.nanoTime() - t0) / 1e9);
  }

  private String hook(String path) {
    return "http://127.0.0.1:" + hooks.getAddress().getPort() + path;
  }

  private void awaitData(String expr, int seconds) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    while (!Prometheus.hasData(prom.query(expr, Instant.now()))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "Prometheus has no data for "
                + expr
                + " within "
                + seconds
                + " s\n--- server:\n"
                + server.output()
                + "\n--- prometheus:\n"
                + prom.log());
      }
      Thread.sleep(250);
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (server != null) {
      server.close();
      Cli.start(dir.resolve("home"), Map.of(), "server", "stop").await(60);
    }
    if (prom != null) {
      prom.close();
    }
    if (hooks != null) {
      hooks.stop(0);
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private JsonNode evaluate(Dashboards.Target t) throws Exception {
    String expr = Dashboards.substitute(t.expr(), vars);
    return t.instant() ? prom.query(expr, end) : prom.queryRange(expr, start, end, STEP);
  }

  @Test
  void everyCorePanelOfEveryDashboardShowsDataFromTheRun() throws Exception {
    List<String> empty = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    int checked = 0;
    for (Dashboards.Dashboard d : Dashboards.all()) {
      for (Dashboards.Panel p : d.panels()) {
        if (p.optionalExporter() != null) {
          skipped.add(p + " (needs " + p.optionalExporter() + ")");
          continue;
        }
        for (Dashboards.Target t : p.targets()) {
          JsonNode data;
          try {
            data = evaluate(t);
          } catch (Prometheus.PromQlException e) {
            empty.add(p + " " + t.refId() + ": " + e.getMessage());
            continue;
          }
          if (!Prometheus.hasData(data)) {
            empty.add(
                p + " " + t.refId() + ": no data for " + Dashboards.substitute(t.expr(), vars));
          }
          checked++;
        }
      }
    }
    System.out.println(
        "queries checked: " + checked + "; optional panels skipped: " + skipped.size());
    skipped.forEach(s -> System.out.println("  skipped " + s));
    assertTrue(
        empty.isEmpty(),
        empty.size() + " core panel queries without data:\n" + String.join("\n", empty));
    assertTrue(checked >= 60, "queries checked: " + checked);
  }

  private static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\((?:(.*),\\s*)?([a-zA-Z_]+)\\)");

  @Test
  void templateVariablesOfferTheRunsSampleStagesJobAndQueues() throws Exception {
    Map<String, String> expected =
        Map.of(
            "sample", SAMPLE, "stage", "stitch", "job", "connectome", "task_queue", "connectome");
    for (Dashboards.Dashboard d : Dashboards.all()) {
      for (JsonNode v : d.variables().values()) {
        if (!v.path("type").asText().equals("query")) {
          continue;
        }
        Matcher m = LABEL_VALUES.matcher(v.path("definition").asText());
        assertTrue(m.matches(), d.uid() + ": " + v.path("definition"));
        String match = m.group(1) == null ? null : Dashboards.substitute(m.group(1), vars);
        List<String> values = prom.labelValues(m.group(2), match);
        String name = v.path("name").asText();
        assertTrue(
            values.contains(expected.get(name)), d.uid() + " $" + name + " offers " + values);
      }
    }
  }

  /**
   * Sample names of an exposition: {@code # TYPE} families with their suffixes, and every sample
   * line.
   */
  static Set<String> sampleNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] f = line.split(" ");
        names.addAll(PromQl.sampleNames(f[2], f[3]));
      } else if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  @Test
  void everyMetricTheDashboardsAndAlertRulesUseExists() throws Exception {
    Set<String> run = sampleNames(scrape);
    run.addAll(
        prom.labelValues("__name__", null)); // up, scrape_* and what was scraped during the run
    Set<String> sdk = sampleNames(TemporalSdkProbe.scrape());
    List<String> unknown = new ArrayList<>();
    Set<String> fromProbe = new TreeSet<>();
    Set<String> external = new TreeSet<>();
    Map<String, String> exprs = new LinkedHashMap<>();
    for (Dashboards.Dashboard d : Dashboards.all()) {
      for (Dashboards.Panel p : d.panels()) {
        for (Dashboards.Target t : p.targets()) {
          exprs.put(
              p + " " + t.refId() + (p.optionalExporter() != null ? " optional" : ""),
              Dashboards.substitute(t.expr(), vars));
        }
      }
      for (JsonNode v : d.variables().values()) {
        Matcher m = LABEL_VALUES.matcher(v.path("definition").asText());
        if (m.matches() && m.group(1) != null) {
          exprs.put(
              d.uid() + " $" + v.path("name").asText(), Dashboards.substitute(m.group(1), vars));
        }
      }
    }
    for (JsonNode r : AlertRulesTest.rules()) {
      exprs.put("alert " + r.path("alert").asText(), r.path("expr").asText());
    }
    exprs.forEach(
        (where, expr) -> {
          for (String name : PromQl.metricNames(expr)) {
            if (where.endsWith(" optional") && DashboardFilesTest.external(name)) {
              external.add(name);
            } else if (run.contains(name)) {
              continue;
            } else if (name.startsWith("temporal_") && sdk.contains(name)) {
              fromProbe.add(name);
            } else {
              unknown.add(where + ": " + name);
            }
          }
        });
    System.out.println(
        "metrics seen only once something fails (checked against the SDK probe): " + fromProbe);
    System.out.println("external exporters' metrics (optional panels): " + external);
    assertTrue(
        unknown.isEmpty(),
        "metrics that no scrape of the platform has:\n" + String.join("\n", unknown));
    assertTrue(run.contains("connectome_notifications_total"), "the notifier's counter");
  }

  @Test
  void thePlatformsOwnMetricsPassPromtoolCheckMetrics() throws Exception {
    Path promtool = Tools.promtool();
    Path file = dir.resolve("scrape.txt");
    Files.writeString(file, scrape);
    Tools.Result r = Tools.run(dir, file, 60, List.of(promtool.toString(), "check", "metrics"));
    List<String> platform = new ArrayList<>();
    Set<String> tolerated = new TreeSet<>();
    for (String line : r.output().split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      assertFalse(line.contains("error while linting"), r.output());
      if (line.startsWith("connectome_")) {
        platform.add(line);
      } else {
        tolerated.add(line.split(" ", 2)[0]);
      }
    }
    assertTrue(
        r.exitCode() == 0 || r.exitCode() == 3,
        "promtool check metrics: exit " + r.exitCode() + "\n" + r.output());
    System.out.println(
        "promtool check metrics: tolerated lint findings for "
            + tolerated.size()
            + " Temporal/JVM families (mostly 'no help text'): "
            + tolerated);
    assertTrue(
        platform.isEmpty(),
        "lint problems in the platform's families:\n" + String.join("\n", platform));
    assertTrue(
        tolerated.stream()
            .allMatch(
                n -> n.startsWith("temporal_") || n.startsWith("jvm_") || n.startsWith("process_")),
        "only Temporal and JVM families may have findings: " + tolerated);
  }

  @Test
  void theAlertRulesLoadAndEvaluateInTheRealPrometheus() throws Exception {
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode g : prom.api("/api/v1/rules").path("groups")) {
      for (JsonNode r : g.path("rules")) {
        names.add(r.path("name").asText());
        assertEquals(
            "ok", r.path("health").asText(), r.path("name") + ": " + r.path("lastError").asText());
      }
    }
    assertEquals(AlertRulesTest.alertNames(), names);
  }

  @Test
  void webhooksFromTheSpecAndTheServerOptionHeardTheRun() throws Exception {
    List<String> spec = posts.getOrDefault("/spec", List.of());
    List<String> server = posts.getOrDefault("/server", List.of());
    List<String> specEvents = events(spec);
    List<String> serverEvents = events(server);
    // the spec's webhook asked for run_finished and stage_resumed only
    assertTrue(
        specEvents.contains("run_finished") && specEvents.contains("stage_resumed"),
        specEvents.toString());
    assertTrue(
        specEvents.stream().allMatch(e -> e.equals("run_finished") || e.equals("stage_resumed")),
        specEvents.toString());
    assertTrue(
        serverEvents.containsAll(List.of("run_finished", "stage_failed", "stage_resumed")),
        serverEvents.toString());
    JsonNode finished = null;
    for (String p : spec) {
      JsonNode m = Dashboards.JSON.readTree(p);
      if (m.path("text").asText().contains(" finished")) {
        finished = m;
      }
    }
    assertTrue(
        finished != null
            && finished
                .path("text")
                .asText()
                .startsWith(
                    ":white_check_mark: <http://grafana"
                        + ".example.org/d/connectome-run/connectome-run?var-sample=mon&run=r1|mon/r1> finished"),
        spec.toString());
    boolean alignFailure = false;
    for (String p : server) {
      JsonNode m = Dashboards.JSON.readTree(p);
      if (m.path("text").asText().contains("stage align failed")) {
        alignFailure = true;
        assertTrue(
            m.path("attachments")
                .get(0)
                .path("text")
                .asText()
                .contains("units of align.pairs failed"),
            p);
      }
    }
    assertTrue(alignFailure, server.toString());
  }

  private static List<String> events(List<String> posts) throws IOException {
    List<String> out = new ArrayList<>();
    for (String p : posts) {
      for (JsonNode f : Dashboards.JSON.readTree(p).path("attachments").get(0).path("fields")) {
        if (f.path("title").asText().equals("Event")) {
          out.add(f.path("value").asText());
        }
      }
    }
    return out;
  }

  /**
   * With {@code CX_DASHBOARD_PICTURE=FILE.html}, draws the overview dashboard from this run into
   * that file (dashboards/picture/render.sh turns it into the README's PNG).
   */
  @Test
  void drawsTheOverviewDashboardWhenAsked() throws Exception {
    String out = System.getenv("CX_DASHBOARD_PICTURE");
    Assumptions.assumeTrue(
        out != null && !out.isBlank(),
        "set CX_DASHBOARD_PICTURE=FILE.html to draw the " + "overview dashboard from this run");
    DashboardPicture.render(
        prom,
        Dashboards.byUid("connectome-overview"),
        vars,
        start,
        end,
        "Drawn from the dashboard's own panel queries against Prometheus "
            + prom.api("/api/v1/status/buildinfo").path("version").asText()
            + " after a real run of sample mon (connectome server + connectome run, "
            + "the demo's 16 simulated sections with faults; stitching fails at random, alignment resumes once). "
            + "Kubernetes and GPU panels need their exporters.",
        Path.of(out));
    System.out.println("wrote " + out);
  }
}
