package org.connectome.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import org.connectome.activities.recording.RecordRunInput;
import org.connectome.activities.recording.RecordStageInput;
import org.connectome.activities.recording.RecordingActivitiesImpl;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunState;
import org.connectome.catalog.StageState;
import org.connectome.spec.NotificationsSpec;
import org.connectome.spec.RunSpec;
import org.connectome.spec.WebhookSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The webhook notifier against a real local HTTP server that records every post. */
class WebhookNotifierTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LINK =
      "https://grafana.example.org/d/connectome-run?var-sample={sample}&var-run={run}";

  private HttpServer server;

  /** Bodies posted, per path. */
  private final Map<String, List<String>> posts = new ConcurrentHashMap<>();

  /** Status to answer, per path, from the 1-based number of the post to that path. */
  private final Map<String, IntUnaryOperator> answers = new ConcurrentHashMap<>();

  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private WebhookNotifier notifier;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          posts
              .computeIfAbsent(path, k -> Collections.synchronizedList(new ArrayList<>()))
              .add(body);
          int n = counts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
          int status = answers.getOrDefault(path, i -> 200).applyAsInt(n);
          if (status < 0) { // hang: a webhook that accepts the connection and never answers
            try {
              Thread.sleep(-status);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            status = 200;
          }
          byte[] reply = (status == 200 ? "ok" : "no").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, reply.length);
          exchange.getResponseBody().write(reply);
          exchange.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
  }

  @AfterEach
  void stop() {
    if (notifier != null) {
      notifier.close(Duration.ofSeconds(2));
    }
    server.stop(0);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private List<String> posts(String path) {
    return posts.getOrDefault(path, List.of());
  }

  private static WebhookNotifier.Options fast() {
    return WebhookNotifier.Options.defaults()
        .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
  }

  private WebhookNotifier notifier(
      NotificationsSpec settings, List<WebhookSpec> server, WebhookNotifier.Options o) {
    notifier = new WebhookNotifier(runId -> settings, server, registry, o);
    return notifier;
  }

  private double count(String event, String outcome) {
    for (MetricSnapshot s : registry.scrape()) {
      if (s.getMetadata().getPrometheusName().equals("connectome_notifications")) {
        for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) s).getDataPoints()) {
          if (p.getLabels().get("event").equals(event)
              && p.getLabels().get("outcome").equals(outcome)) {
            return p.getValue();
          }
        }
      }
    }
    return Double.NaN;
  }

  private static void await(String what, java.util.function.BooleanSupplier done)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!done.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(10);
    }
  }

  private static RecordRunInput run(RunState state, EventKind event, String message) {
    return new RecordRunInput("demo/r1", null, null, state, event, message);
  }

  private static RecordStageInput stage(
      String stage, StageState state, EventKind event, String message, boolean resumed) {
    return new RecordStageInput("demo/r1", "demo", stage, 2, state, event, message, resumed);
  }

  @Test
  void postsASlackCompatibleMessageWithTheRunLinkAndTheErrorSummary() throws Exception {
    notifier(
        new NotificationsSpec(List.of(new WebhookSpec(url("/hook"), List.of())), LINK),
        List.of(),
        fast());
    notifier.runChanged(
        run(
            RunState.FAILED,
            EventKind.RUN_FAILED,
            "stage align failed after 3 automatic resumes: 4 units failed for good\nunits 3-6: exit code 137"));
    await("the post", () -> posts("/hook").size() == 1);
    JsonNode m = JSON.readTree(posts("/hook").get(0));
    String link = "https://grafana.example.org/d/connectome-run?var-sample=demo&var-run=r1";
    assertTrue(
        m.get("text")
            .asText()
            .startsWith(":x: <" + link + "|demo/r1> failed: stage align failed after 3"),
        m.toString());
    JsonNode a = m.get("attachments").get(0);
    assertEquals("danger", a.get("color").asText());
    assertEquals(link, a.get("title_link").asText());
    assertTrue(
        a.get("text").asText().contains("units 3-6: exit code 137"), "the whole error summary");
    assertTrue(a.get("fallback").asText().contains("demo/r1 failed"), a.toString());
    List<String> fields = new ArrayList<>();
    a.get("fields")
        .forEach(f -> fields.add(f.get("title").asText() + "=" + f.get("value").asText()));
    assertEquals(List.of("Sample=demo", "Run=r1", "Event=run_failed", "State=FAILED"), fields);
    await("the count", () -> count("run_failed", "sent") == 1);
  }

  @Test
  void eachWebhookGetsTheEventsItAsksFor() throws Exception {
    notifier(
        new NotificationsSpec(
            List.of(
                new WebhookSpec(url("/finished"), List.of("run_finished")),
                new WebhookSpec(url("/stages"), List.of("stage_failed", "stage_resumed"))),
            null),
        List.of(new WebhookSpec(url("/server"), List.of())),
        fast());
    notifier.runChanged(
        new RecordRunInput("demo/r1", null, "wf", RunState.RUNNING, EventKind.RUN_STARTED, "go"));
    notifier.stageChanged(
        stage("align", StageState.RUNNING, EventKind.STAGE_STARTED, "3 steps", false));
    notifier.stageChanged(
        stage(
            "align",
            StageState.WAITING_TO_RESUME,
            EventKind.STAGE_FAILED,
            "message='step render failed: 4 units failed\n  units 3-6: exit code 1', type='StepFailed', "
                + "nonRetryable=true\nresuming in 10s (automatic resume 1 of 3)",
            false));
    notifier.stageChanged(
        stage(
            "align",
            StageState.RUNNING,
            EventKind.STAGE_RESUMED,
            "automatic resume 1 of 3: dispatching units without a valid marker",
            true));
    notifier.stageChanged(
        stage("mesh", StageState.CANCELLED, EventKind.STAGE_FAILED, "cancelled: operator", false));
    notifier.runChanged(run(RunState.CANCELLED, EventKind.RUN_CANCELLED, "operator"));
    notifier.runChanged(run(RunState.DONE, EventKind.RUN_FINISHED, "all 7 stages done"));
    await("the server webhook's posts", () -> posts("/server").size() == 4);
    assertTrue(notifier.close(Duration.ofSeconds(5)));
    assertEquals(1, posts("/finished").size());
    assertTrue(posts("/finished").get(0).contains("finished"));
    assertEquals(2, posts("/stages").size());
    List<String> stagePosts = new ArrayList<>(posts("/stages"));
    stagePosts.sort(
        (a, b) -> Boolean.compare(a.contains("resumed"), b.contains("resumed"))); // posts are async
    JsonNode failed = JSON.readTree(stagePosts.get(0));
    assertEquals(
        ":warning: *demo/r1*: stage align failed: step render failed: 4 units failed; "
            + "resuming in 10s (automatic resume 1 of 3)",
        failed.get("text").asText());
    assertEquals("warning", failed.get("attachments").get(0).get("color").asText());
    assertEquals(
        "```step render failed: 4 units failed\n  units 3-6: exit code 1\nresuming in 10s (automatic "
            + "resume 1 of 3)```",
        failed.get("attachments").get(0).get("text").asText());
    assertNull(failed.get("attachments").get(0).get("title_link"), "no runLink: no link");
    assertTrue(
        JSON.readTree(stagePosts.get(1))
            .get("text")
            .asText()
            .startsWith(":arrows_counterclockwise: *demo/r1*: stage align resumed"));
    // the worker's webhook (no filter) hears every notifiable event but not starts or a stage
    // cancelled with its run
    List<String> events = new ArrayList<>();
    for (String p : posts("/server")) {
      JSON.readTree(p)
          .get("attachments")
          .get(0)
          .get("fields")
          .forEach(
              f -> {
                if (f.get("title").asText().equals("Event")) {
                  events.add(f.get("value").asText());
                }
              });
    }
    Collections.sort(events);
    assertEquals(List.of("run_cancelled", "run_finished", "stage_failed", "stage_resumed"), events);
  }

  @Test
  void aWebhookThatFailsWith500IsRetriedWithBackoffUntilItAccepts() throws Exception {
    answers.put("/flaky", n -> n <= 2 ? 500 : 200);
    notifier(
        new NotificationsSpec(List.of(new WebhookSpec(url("/flaky"), List.of())), LINK),
        List.of(),
        fast());
    notifier.runChanged(run(RunState.DONE, EventKind.RUN_FINISHED, "all 7 stages done"));
    await("delivery", () -> count("run_finished", "sent") == 1);
    assertEquals(3, posts("/flaky").size());
    assertEquals(posts("/flaky").get(0), posts("/flaky").get(2), "the same message each time");
    assertEquals(2, count("run_finished", "retried"));
    assertEquals(0, count("run_finished", "failed"));
  }

  @Test
  void aWebhookThatIsDownGetsAFewAttemptsPerMessageNotAStorm() throws Exception {
    answers.put("/down", n -> 503);
    answers.put("/gone", n -> 404);
    notifier(
        new NotificationsSpec(
            List.of(
                new WebhookSpec(url("/down"), List.of()), new WebhookSpec(url("/gone"), List.of())),
            null),
        List.of(),
        fast());
    for (int i = 1; i <= 3; i++) {
      notifier.stageChanged(
          stage(
              "segment",
              StageState.WAITING_TO_RESUME,
              EventKind.STAGE_FAILED,
              "failed\nresuming in 10s (automatic resume " + i + " of 3)",
              false));
    }
    await("giving up", () -> count("stage_failed", "failed") == 6);
    Thread.sleep(500); // longer than the longest backoff: nothing more comes
    assertEquals(3 * 4, posts("/down").size(), "maxAttempts (4) posts per message");
    assertEquals(3, posts("/gone").size(), "a 404 is not retried");
    assertEquals(3 * 3, count("stage_failed", "retried"));
    assertEquals(0, count("stage_failed", "sent"));
  }

  @Test
  void connectionErrorsAreRetriedAndCounted() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    notifier(
        null, List.of(new WebhookSpec("http://127.0.0.1:" + closedPort + "/x", List.of())), fast());
    notifier.runChanged(run(RunState.DONE, EventKind.RUN_FINISHED, "done"));
    await("giving up", () -> count("run_finished", "failed") == 1);
    assertEquals(3, count("run_finished", "retried"));
  }

  @Test
  void aHungWebhookNeverHoldsUpTheRecordingActivity() throws Exception {
    answers.put("/slow", n -> -3_000);
    notifier(null, List.of(new WebhookSpec(url("/slow"), List.of())), fast().withLimits(4, 2));
    long t0 = System.nanoTime();
    for (int i = 0; i < 200; i++) {
      notifier.stageChanged(
          stage("stitch", StageState.FAILED, EventKind.STAGE_FAILED, "failure " + i, false));
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(ms < 1_000, "200 transitions took " + ms + " ms to hand over");
    await("drops", () -> count("stage_failed", "dropped") > 150);
    // bounded: at most 2 in flight and a queue of 4, whatever was submitted
    assertTrue(posts("/slow").size() <= 2, posts("/slow").size() + " posts in flight");
    assertFalse(notifier.close(Duration.ofMillis(200)), "close gives up after its grace period");
    notifier = null;
  }

  @Test
  void aRetriedRecordingIsNotifiedOnce() throws Exception {
    notifier(
        new NotificationsSpec(List.of(new WebhookSpec(url("/hook"), List.of())), null),
        List.of(),
        fast());
    RecordRunInput done = run(RunState.DONE, EventKind.RUN_FINISHED, "all 3 stages done");
    notifier.runChanged(done);
    notifier.runChanged(done);
    assertTrue(notifier.close(Duration.ofSeconds(5)));
    notifier = null;
    assertEquals(1, posts("/hook").size());
  }

  @Test
  void recordingActivitiesReadTheRunsWebhooksFromTheCatalogAfterTheFirstTransition(
      @TempDir Path dir) throws Exception {
    CountDownLatch delivered = new CountDownLatch(1);
    answers.put(
        "/spec",
        n -> {
          delivered.countDown();
          return 200;
        });
    try (Catalog catalog = Catalog.open(Catalog.h2FileUrl(dir.resolve("catalog")))) {
      notifier =
          new WebhookNotifier(
              WebhookNotifier.catalogSettings(catalog), List.of(), registry, fast());
      RecordingActivitiesImpl recording =
          new RecordingActivitiesImpl(catalog, Clock.systemUTC(), notifier);
      RunSpec spec =
          new RunSpec(
              "demo",
              "r1",
              null,
              null,
              dir.toString(),
              null,
              null,
              null,
              null,
              null,
              new NotificationsSpec(
                  List.of(new WebhookSpec(url("/spec"), List.of("run_finished"))), LINK),
              List.of());
      recording.recordRun(
          new RecordRunInput(
              "demo/r1", spec, "wf-1", RunState.RUNNING, EventKind.RUN_STARTED, "started"));
      recording.recordRun(run(RunState.DONE, EventKind.RUN_FINISHED, "all 0 stages done"));
      assertTrue(delivered.await(10, TimeUnit.SECONDS), "the run's webhook was called");
      assertTrue(notifier.close(Duration.ofSeconds(5)));
      notifier = null;
    }
    JsonNode m = JSON.readTree(posts("/spec").get(0));
    assertEquals(
        ":white_check_mark: <https://grafana.example.org/d/connectome-run?var-sample=demo&var-run=r1"
            + "|demo/r1> finished: all 0 stages done",
        m.get("text").asText());
    assertEquals(1, posts("/spec").size());
  }
}
