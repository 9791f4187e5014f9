package org.connectome.notify;

import static org.connectome.notify.WebhookReceiver.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.NewRun;
import org.connectome.catalog.NotificationOutbox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications survive the death of the process that recorded them: worker JVMs (children of the
 * test, sharing its H2 catalog file) are killed with SIGKILL between recording an event and
 * delivering its notification, or while posting it, and the next worker delivers it to a real HTTP
 * receiver, which tells a repeat by its idempotency key.
 */
class NotificationCrashTest {
  @TempDir Path dir;
  private WebhookReceiver receiver;
  private Catalog catalog;
  private String url;

  @BeforeEach
  void start() throws IOException {
    receiver = new WebhookReceiver();
    url = Catalog.h2FileUrl(dir.resolve("catalog"));
    catalog = Catalog.open(url);
    catalog.runs().register(new NewRun(NotifyingProcessMain.RUN, null, null, "{}", "h", "wf"));
  }

  @AfterEach
  void stop() {
    catalog.close();
    receiver.close();
  }

  private Process worker(String mode, String name, long claimMillis) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            NotifyingProcessMain.class.getName(),
            mode,
            url,
            receiver.url("/hook"),
            Long.toString(claimMillis))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".out").toFile())
        .start();
  }

  private String output(String name) throws IOException {
    Path f = dir.resolve(name + ".out");
    return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
  }

  /** SIGKILL: no shutdown hook, no close, nothing flushed. */
  private static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(128 + 9, p.exitValue(), "killed by SIGKILL");
  }

  private void deliverWithANewWorker(long claimMillis) throws Exception {
    Process next = worker("deliver", "next", claimMillis);
    assertTrue(next.waitFor(60, TimeUnit.SECONDS), "the next worker timed out: " + output("next"));
    assertEquals(0, next.exitValue(), output("next"));
    assertTrue(output("next").contains("settled"), output("next"));
  }

  private List<NotificationOutbox.Notification> outbox() {
    return catalog.notifications().ofRun(NotifyingProcessMain.RUN);
  }

  @Test
  void killedBetweenTheEventAndTheDeliveryTheNextWorkerDeliversItOnce() throws Exception {
    Process first = worker("record", "first", 60_000);
    await("the recording", () -> uncheckedOutput("first").contains("recorded"));
    kill(first);
    assertEquals(List.of(), receiver.posts("/hook"), "nothing was delivered by the dead worker");
    assertEquals(NotificationOutbox.State.PENDING, outbox().get(0).state());

    deliverWithANewWorker(60_000);
    List<WebhookReceiver.Post> posts = receiver.posts("/hook");
    assertEquals(1, posts.size(), "delivered once");
    assertTrue(posts.get(0).body().contains("finished: all 7 stages done"), posts.get(0).body());
    NotificationOutbox.Notification n = outbox().get(0);
    assertEquals(NotificationOutbox.State.SENT, n.state());
    assertEquals(n.idempotencyKey(), posts.get(0).idempotencyKey());
    assertEquals(1, n.attempts());
  }

  @Test
  void killedWhilePostingTheNextWorkerPostsAgainWithTheSameKey() throws Exception {
    // the first post reaches the receiver, which never answers it: the worker dies waiting
    receiver.answer("/hook", n -> n == 1 ? WebhookReceiver.hang(120_000) : 200);
    Process first = worker("record-and-deliver", "first", 2_000);
    await("the first post", () -> receiver.posts("/hook").size() == 1);
    kill(first);
    assertEquals(NotificationOutbox.State.PENDING, outbox().get(0).state());

    // its claim expires after 2 s; the next worker posts it again
    deliverWithANewWorker(2_000);
    List<WebhookReceiver.Post> posts = receiver.posts("/hook");
    assertEquals(2, posts.size(), "at least once: the unanswered post and the delivery");
    assertEquals(posts.get(0), posts.get(1), "the same message with the same idempotency key");
    assertEquals(
        1,
        posts.stream().map(WebhookReceiver.Post::idempotencyKey).distinct().count(),
        "a receiver that drops repeats by key sees it once");
    assertEquals(NotificationOutbox.State.SENT, outbox().get(0).state());
  }

  private String uncheckedOutput(String name) {
    try {
      return output(name);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
