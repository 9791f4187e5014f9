package org.connectome.notify;

import static org.connectome.notify.WebhookReceiver.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.connectome.activities.recording.RecordRunInput;
import org.connectome.activities.recording.RecordStageInput;
import org.connectome.activities.recording.RecordStepInput;
import org.connectome.activities.recording.Recorded;
import org.connectome.activities.recording.RecordingActivities;
import org.connectome.activities.recording.RecordingActivitiesImpl;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.NewRun;
import org.connectome.catalog.NotificationOutbox;
import org.connectome.catalog.RunState;
import org.connectome.catalog.StageState;
import org.connectome.spec.NotificationsSpec;
import org.connectome.spec.RunSpec;
import org.connectome.spec.WebhookSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook notifier through the recording activities, the catalog's outbox (H2) and a real local
 * HTTP server that records every post.
 */
class WebhookNotifierTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RUN = "demo/r1";
  private static final String LINK =
      "https://grafana.example.org/d/connectome-run?var-sample={sample}&var-run={run}";

  @TempDir Path dir;
  private WebhookReceiver receiver;
  private Catalog catalog;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private WebhookNotifier notifier;

  @BeforeEach
  void start() throws Exception {
    receiver = new WebhookReceiver();
    catalog = Catalog.open(Catalog.h2FileUrl(dir.resolve("catalog")));
    catalog.runs().register(new NewRun(RUN, null, null, "{}", "h", "wf"));
  }

  @AfterEach
  void stop() {
    if (notifier != null) {
      notifier.close(Duration.ofSeconds(2));
    }
    catalog.close();
    receiver.close();
  }

  static WebhookNotifier.Options fast() {
    return WebhookNotifier.Options.defaults()
        .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))
        .withDelivery(64, Duration.ofMillis(50), Duration.ofSeconds(60));
  }

  private RecordingActivitiesImpl recording(
      NotificationsSpec settings, List<WebhookSpec> server, WebhookNotifier.Options o) {
    notifier =
        WebhookNotifier.delivering(runId -> settings, server, catalog.notifications(), registry, o);
    return new RecordingActivitiesImpl(catalog, Clock.systemUTC(), notifier);
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

  private List<NotificationOutbox.Notification> outbox() {
    return catalog.notifications().ofRun(RUN);
  }

  private static RecordRunInput run(RunState state, EventKind event, String message) {
    return new RecordRunInput(RUN, null, null, state, event, message);
  }

  private static RecordStageInput stage(
      String stage, StageState state, EventKind event, String message, boolean resumed) {
    return new RecordStageInput(RUN, "demo", stage, 2, state, event, message, resumed);
  }

  @Test
  void postsASlackCompatibleMessageWithTheRunLinkTheErrorSummaryAndItsIdempotencyKey()
      throws Exception {
    recording(
            new NotificationsSpec(List.of(new WebhookSpec(receiver.url("/hook"), List.of())), LINK),
            List.of(),
            fast())
        .recordRun(
            run(
                RunState.FAILED,
                EventKind.RUN_FAILED,
                "stage align failed after 3 automatic resumes: 4 units failed for good\n"
                    + "units 3-6: exit code 137"));
    await("the count", () -> count("run_failed", "sent") == 1);
    WebhookReceiver.Post post = receiver.posts("/hook").get(0);
    JsonNode m = JSON.readTree(post.body());
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
    assertTrue(post.idempotencyKey().matches("[0-9a-f]{32}"), post.idempotencyKey());
    assertEquals(post.idempotencyKey(), m.get("idempotency_key").asText());
    NotificationOutbox.Notification n = outbox().get(0);
    assertEquals(NotificationOutbox.State.SENT, n.state());
    assertEquals(post.idempotencyKey(), n.idempotencyKey());
    assertEquals(1, n.attempts());
  }

  @Test
  void eachWebhookGetsTheEventsItAsksFor() throws Exception {
    RecordingActivitiesImpl recording =
        recording(
            new NotificationsSpec(
                List.of(
                    new WebhookSpec(receiver.url("/finished"), List.of("run_finished")),
                    new WebhookSpec(
                        receiver.url("/stages"), List.of("stage_failed", "stage_resumed"))),
                null),
            List.of(new WebhookSpec(receiver.url("/server"), List.of())),
            fast());
    recording.recordRun(run(RunState.RUNNING, EventKind.RUN_STARTED, "go"));
    recording.recordStage(
        stage("align", StageState.RUNNING, EventKind.STAGE_STARTED, "3 steps", false));
    recording.recordStage(
        stage(
            "align",
            StageState.WAITING_TO_RESUME,
            EventKind.STAGE_FAILED,
            "message='step render failed: 4 units failed\n  units 3-6: exit code 1',"
                + " type='StepFailed', nonRetryable=true\n"
                + "resuming in 10s (automatic resume 1 of 3)",
            false));
    recording.recordStage(
        stage(
            "align",
            StageState.RUNNING,
            EventKind.STAGE_RESUMED,
            "automatic resume 1 of 3: dispatching units without a valid marker",
            true));
    recording.recordStage(
        stage("mesh", StageState.CANCELLED, EventKind.STAGE_FAILED, "cancelled: operator", false));
    recording.recordRun(run(RunState.CANCELLED, EventKind.RUN_CANCELLED, "operator"));
    recording.recordRun(run(RunState.DONE, EventKind.RUN_FINISHED, "all 7 stages done"));
    assertTrue(notifier.close(Duration.ofSeconds(10)), "closing delivers what is due");
    assertEquals(4, receiver.posts("/server").size());
    assertEquals(1, receiver.posts("/finished").size());
    assertTrue(receiver.bodies("/finished").get(0).contains("finished"));
    assertEquals(2, receiver.posts("/stages").size());
    List<String> stagePosts = new ArrayList<>(receiver.bodies("/stages"));
    // posts are concurrent: put the failure first
    stagePosts.sort((x, y) -> Boolean.compare(x.contains("resumed"), y.contains("resumed")));
    JsonNode failed = JSON.readTree(stagePosts.get(0));
    assertEquals(
        ":warning: *demo/r1*: stage align failed: step render failed: 4 units failed; "
            + "resuming in 10s (automatic resume 1 of 3)",
        failed.get("text").asText());
    assertEquals("warning", failed.get("attachments").get(0).get("color").asText());
    assertEquals(
        "```step render failed: 4 units failed\n  units 3-6: exit code 1\nresuming in 10s"
            + " (automatic resume 1 of 3)```",
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
    for (String p : receiver.bodies("/server")) {
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
    assertEquals(7, outbox().size(), "one message per webhook that wants the event");
  }

  @Test
  void aWebhookThatFailsWith500IsRetriedWithBackoffUntilItAccepts() throws Exception {
    receiver.answer("/flaky", n -> n <= 2 ? 500 : 200);
    recording(
            new NotificationsSpec(
                List.of(new WebhookSpec(receiver.url("/flaky"), List.of())), LINK),
            List.of(),
            fast())
        .recordRun(run(RunState.DONE, EventKind.RUN_FINISHED, "all 7 stages done"));
    await("delivery", () -> count("run_finished", "sent") == 1);
    List<WebhookReceiver.Post> posts = receiver.posts("/flaky");
    assertEquals(3, posts.size());
    assertEquals(posts.get(0), posts.get(2), "the same message and key each time");
    assertEquals(2, count("run_finished", "retried"));
    assertEquals(0, count("run_finished", "failed"));
    assertEquals(3, outbox().get(0).attempts());
  }

  @Test
  void aWebhookThatIsDownGetsAFewAttemptsPerMessageNotAStorm() throws Exception {
    receiver.answer("/down", n -> 503);
    receiver.answer("/gone", n -> 404);
    RecordingActivitiesImpl recording =
        recording(
            new NotificationsSpec(
                List.of(
                    new WebhookSpec(receiver.url("/down"), List.of()),
                    new WebhookSpec(receiver.url("/gone"), List.of())),
                null),
            List.of(),
            fast());
    for (int i = 1; i <= 3; i++) {
      recording.recordStage(
          stage(
              "segment",
              StageState.WAITING_TO_RESUME,
              EventKind.STAGE_FAILED,
              "failed\nresuming in 10s (automatic resume " + i + " of 3)",
              false));
    }
    await("giving up", () -> count("stage_failed", "failed") == 6);
    assertTrue(catalog.notifications().nextDue().isEmpty(), "nothing more is due: no more posts");
    assertEquals(3 * 4, receiver.posts("/down").size(), "maxAttempts (4) posts per message");
    assertEquals(3, receiver.posts("/gone").size(), "a 404 is not retried");
    assertEquals(3 * 3, count("stage_failed", "retried"));
    assertEquals(0, count("stage_failed", "sent"));
    for (NotificationOutbox.Notification n : outbox()) {
      assertEquals(NotificationOutbox.State.FAILED, n.state());
      assertEquals(n.target().endsWith("/down") ? "HTTP 503" : "HTTP 404", n.lastError());
    }
  }

  @Test
  void connectionErrorsAreRetriedAndCounted() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    recording(
            null,
            List.of(new WebhookSpec("http://127.0.0.1:" + closedPort + "/x", List.of())),
            fast())
        .recordRun(run(RunState.DONE, EventKind.RUN_FINISHED, "done"));
    await("giving up", () -> count("run_finished", "failed") == 1);
    assertEquals(3, count("run_finished", "retried"));
    assertTrue(outbox().get(0).lastError().startsWith("ConnectException"), outbox().toString());
  }

  @Test
  void aHungWebhookHoldsUpNeitherTheRecordingNorMoreThanItsShareOfPosts() throws Exception {
    receiver.answer("/slow", n -> WebhookReceiver.hang(3_000));
    RecordingActivitiesImpl recording =
        recording(
            null,
            List.of(new WebhookSpec(receiver.url("/slow"), List.of())),
            fast().withDelivery(2, Duration.ofMillis(50), Duration.ofSeconds(60)));
    for (int i = 0; i < 20; i++) {
      recording.recordStage(
          stage("stitch", StageState.FAILED, EventKind.STAGE_FAILED, "failure " + i, false));
    }
    await("the first posts", () -> receiver.posts("/slow").size() == 2);
    assertEquals(2, notifier.inFlight(), "at most 2 posts under way, whatever was recorded");
    assertFalse(notifier.close(Duration.ofMillis(200)), "close gives up after its grace period");
    notifier = null;
    assertEquals(20, outbox().size(), "nothing dropped: the rest waits in the outbox");
    assertEquals(
        20, outbox().stream().filter(n -> n.state() == NotificationOutbox.State.PENDING).count());
  }

  @Test
  void recordingActivitiesReadTheRunsWebhooksFromTheCatalogAfterTheFirstTransition()
      throws Exception {
    notifier =
        WebhookNotifier.delivering(
            WebhookNotifier.catalogSettings(catalog),
            List.of(),
            catalog.notifications(),
            registry,
            fast());
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
                List.of(new WebhookSpec(receiver.url("/spec"), List.of("run_finished"))), LINK),
            List.of());
    recording.recordRun(
        new RecordRunInput(RUN, spec, "wf-1", RunState.RUNNING, EventKind.RUN_STARTED, "started"));
    recording.recordRun(run(RunState.DONE, EventKind.RUN_FINISHED, "all 0 stages done"));
    assertTrue(notifier.close(Duration.ofSeconds(10)));
    notifier = null;
    assertEquals(1, receiver.posts("/spec").size());
    JsonNode m = JSON.readTree(receiver.bodies("/spec").get(0));
    assertEquals(
        ":white_check_mark: <https://grafana.example.org/d/connectome-run?var-sample=demo"
            + "&var-run=r1|demo/r1> finished: all 0 stages done",
        m.get("text").asText());
  }

  // ---- a recording retried by Temporal

  /** Records one run transition through the recording activity, retried on failure. */
  @WorkflowInterface
  public interface RecordOnce {
    @WorkflowMethod
    void record(RecordRunInput input);
  }

  public static class RecordOnceImpl implements RecordOnce {
    private final RecordingActivities recording =
        Workflow.newActivityStub(
            RecordingActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(10))
                        .setMaximumAttempts(3)
                        .build())
                .build());

    @Override
    public void record(RecordRunInput input) {
      recording.recordRun(input);
    }
  }

  /**
   * The real recording activity, whose first attempt fails after it has recorded: as when the
   * worker dies before Temporal hears the activity finish, so the recording runs again.
   */
  static final class FirstAttemptLost implements RecordingActivities {
    private final RecordingActivities real;

    FirstAttemptLost(RecordingActivities real) {
      this.real = real;
    }

    @Override
    public Recorded recordRun(RecordRunInput input) {
      Recorded r = real.recordRun(input);
      if (Activity.getExecutionContext().getInfo().getAttempt() == 1) {
        throw new IllegalStateException("the worker died before reporting the recording");
      }
      return r;
    }

    @Override
    public Recorded recordStage(RecordStageInput input) {
      return real.recordStage(input);
    }

    @Override
    public Recorded recordStep(RecordStepInput input) {
      return real.recordStep(input);
    }
  }

  @Test
  void aRecordingTemporalRetriesQueuesItsNotificationOnce() throws Exception {
    RecordingActivitiesImpl recording =
        recording(
            new NotificationsSpec(List.of(new WebhookSpec(receiver.url("/hook"), List.of())), null),
            List.of(),
            fast());
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker w = env.newWorker("record");
      w.registerWorkflowImplementationTypes(RecordOnceImpl.class);
      w.registerActivitiesImplementations(new FirstAttemptLost(recording));
      env.start();
      env.getWorkflowClient()
          .newWorkflowStub(
              RecordOnce.class,
              io.temporal.client.WorkflowOptions.newBuilder().setTaskQueue("record").build())
          .record(run(RunState.DONE, EventKind.RUN_FINISHED, "all 3 stages done"));
    }
    assertEquals(
        2L,
        catalog.events().countByKind(RUN).get(EventKind.RUN_FINISHED),
        "the recording ran twice");
    assertTrue(notifier.close(Duration.ofSeconds(10)));
    notifier = null;
    assertEquals(1, outbox().size());
    assertEquals(1, receiver.posts("/hook").size());
  }
}
