package org.connectome.notify;

import io.prometheus.metrics.core.metrics.Counter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.connectome.catalog.NotificationOutbox;
import org.connectome.catalog.NotificationOutbox.Notification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the catalog's notification outbox holds, from a background thread: claims due
 * notifications, posts each to its webhook with its {@code Idempotency-Key}, and marks it sent, or
 * leaves it for another attempt after an exponential backoff on connection errors, timeouts, 408,
 * 429 (honouring {@code Retry-After}) and 5xx, until {@link WebhookNotifier.Options#maxAttempts}
 * posts in all; other 4xx fail at once. Attempts are counted in the outbox, so a restart goes on
 * where the last process stopped.
 *
 * <p>Any number of processes may deliver from one catalog: a claim keeps a notification to one of
 * them while it posts, and a claim whose holder died expires ({@code claimFor}), after which
 * another posts it again. Delivery is so at least once; the idempotency key lets the receiver drop
 * a repeat. Outcomes are counted in {@code connectome_notifications_total{event, outcome}}; logs
 * name a webhook by its host only (its URL is a secret).
 */
final class OutboxDeliverer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxDeliverer.class);

  private final NotificationOutbox outbox;
  private final Counter counter;
  private final WebhookNotifier.Options options;
  private final HttpClient http;
  private final String holder = holderName();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LinkedBlockingQueue<Boolean> wakeups = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean draining;
  private volatile Instant drainUntil;
  private volatile boolean stopped;
  private long lastCatalogWarning;

  OutboxDeliverer(NotificationOutbox outbox, Counter counter, WebhookNotifier.Options options) {
    this.outbox = outbox;
    this.counter = counter;
    this.options = options;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(options.connectTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    this.thread = new Thread(this::deliver, "connectome-notify");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Whether a notification waits for a retry that falls due before the drain ends: a post that
   * failed once while closing (a busy receiver) is retried within the grace, not left for the next
   * process although the grace had time for it.
   */
  private boolean retryDueWhileDraining() {
    Instant until = drainUntil;
    try {
      return until != null && outbox.nextDue().map(t -> t.isBefore(until)).orElse(false);
    } catch (RuntimeException e) {
      catalogUnavailable(e);
      return false;
    }
  }

  /** Looks at the outbox now rather than at the next poll (something was queued or settled). */
  void wake() {
    wakeups.offer(Boolean.TRUE);
  }

  private void deliver() {
    while (!stopped) {
      int free = options.maxInFlight() - inFlight.get();
      List<Notification> due = List.of();
      if (free > 0) {
        try {
          due = outbox.claimDue(holder, options.claimFor(), free);
        } catch (RuntimeException e) {
          catalogUnavailable(e);
        }
      }
      for (Notification n : due) {
        inFlight.incrementAndGet();
        post(n);
      }
      if (draining && due.isEmpty() && inFlight.get() == 0 && !retryDueWhileDraining()) {
        return; // closing, and nothing due is left
      }
      if (due.isEmpty() || due.size() < free) {
        try {
          wakeups.poll(options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
          wakeups.clear();
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private void post(Notification n) {
    URI uri;
    try {
      uri = URI.create(n.target().trim());
      if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
    } catch (IllegalArgumentException e) {
      settle(n, "failed", () -> outbox.failed(n, "the webhook is not a valid http(s) URL"));
      log.warn("webhook of {} is not a valid http(s) URL; {} not sent", n.runId(), n.event());
      return;
    }
    HttpRequest req =
        HttpRequest.newBuilder(uri)
            .timeout(options.requestTimeout())
            .header("Content-Type", "application/json; charset=utf-8")
            .header("User-Agent", "connectome-notifier")
            .header("Idempotency-Key", n.idempotencyKey())
            .POST(HttpRequest.BodyPublishers.ofString(n.body(), StandardCharsets.UTF_8))
            .build();
    try {
      http.sendAsync(req, HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (resp, err) -> {
                try {
                  outcome(n, uri, resp, err);
                } catch (Error e) {
                  // a future swallows it: say so, then let it go on
                  log.error("delivering notification {} of {} failed", n.id(), n.runId(), e);
                  throw e;
                }
              });
    } catch (RuntimeException e) {
      outcome(n, uri, null, e);
    }
  }

  private void outcome(Notification n, URI uri, HttpResponse<?> resp, Throwable err) {
    Throwable cause =
        err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    int status = resp == null ? -1 : resp.statusCode();
    int attempt = n.attempts() + 1;
    if (cause == null && status >= 200 && status < 300) {
      settle(n, "sent", () -> outbox.sent(n));
      return;
    }
    boolean retryable =
        cause instanceof IOException || status == 408 || status == 429 || status >= 500;
    String what =
        cause != null
            ? cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")")
            : "HTTP " + status;
    if (retryable && attempt < options.maxAttempts()) {
      Duration wait = backoff(attempt, resp);
      log.info(
          "webhook {} refused {} of {}: {}; attempt {} of {} in {} ms",
          uri.getHost(),
          n.event(),
          n.runId(),
          what,
          attempt + 1,
          options.maxAttempts(),
          wait.toMillis());
      settle(n, "retried", () -> outbox.retryAfter(n, wait, what));
      return;
    }
    log.warn(
        "webhook {}: {} of {} not delivered after {} attempt{}: {}",
        uri.getHost(),
        n.event(),
        n.runId(),
        attempt,
        attempt == 1 ? "" : "s",
        what);
    settle(n, "failed", () -> outbox.failed(n, what));
  }

  /** Records an outcome in the outbox and counts it; frees the notification's slot. */
  private void settle(Notification n, String outcome, java.util.function.BooleanSupplier record) {
    try {
      if (record.getAsBoolean()) {
        counter.labelValues(n.event(), outcome).inc();
      } else {
        log.info("notification {} of {} was claimed by another deliverer", n.id(), n.runId());
      }
    } catch (RuntimeException e) {
      // its claim expires and it is posted again, with the same idempotency key
      catalogUnavailable(e);
    } finally {
      inFlight.decrementAndGet();
      wake();
    }
  }

  /** Logs that the catalog failed, at most once a minute: an unreachable one must not flood. */
  private synchronized void catalogUnavailable(RuntimeException e) {
    long now = System.nanoTime();
    if (lastCatalogWarning == 0 || now - lastCatalogWarning > TimeUnit.MINUTES.toNanos(1)) {
      lastCatalogWarning = now;
      log.warn("notifications wait in the catalog's outbox: {}", e.getMessage());
    }
  }

  /**
   * Exponential with jitter; a server's Retry-After (seconds) when it asks for longer, within
   * maxBackoff.
   */
  private Duration backoff(int attempt, HttpResponse<?> resp) {
    long base = options.initialBackoff().toMillis() << Math.min(20, attempt - 1);
    long ms = Math.min(options.maxBackoff().toMillis(), base);
    ms = Math.round(ms * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    if (resp != null) {
      String after = resp.headers().firstValue("Retry-After").orElse(null);
      if (after != null && after.trim().matches("\\d{1,6}")) {
        ms =
            Math.max(
                ms, Math.min(options.maxBackoff().toMillis(), Long.parseLong(after.trim()) * 1000));
      }
    }
    return Duration.ofMillis(Math.max(0, ms));
  }

  /** Notifications being posted now. */
  int inFlight() {
    return inFlight.get();
  }

  /**
   * Delivers what is due for up to {@code grace}, then stops. What is not delivered stays in the
   * outbox for the next process (a message whose post was cut off is posted again). Returns whether
   * nothing was left under way or due.
   */
  boolean close(Duration grace) {
    drainUntil = Instant.now().plus(grace);
    draining = true;
    wake();
    long deadline = System.nanoTime() + grace.toNanos();
    try {
      thread.join(Math.max(1, grace.toMillis()));
      boolean drained = !thread.isAlive();
      stopped = true;
      wake();
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      int left = inFlight.get();
      if (left > 0 || !drained) {
        log.warn(
            "webhook notifications not delivered before shutdown ({} being posted): they wait in"
                + " the catalog for the next process",
            left);
      }
      return drained && left == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
      return false;
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  private static String holderName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
      host = host.length() > 40 ? host.substring(0, 40) : host;
    } catch (UnknownHostException e) {
      host = "unknown";
    }
    return ProcessHandle.current().pid()
        + "@"
        + host
        + "/"
        + UUID.randomUUID().toString().substring(0, 8);
  }
}
