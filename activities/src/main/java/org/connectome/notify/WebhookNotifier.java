package org.connectome.notify;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.connectome.activities.recording.RecordRunInput;
import org.connectome.activities.recording.RecordStageInput;
import org.connectome.activities.recording.RecordingActivitiesImpl;
import org.connectome.catalog.Catalog;
import org.connectome.spec.NotificationsSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.spec.WebhookSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts a Slack-compatible message to webhooks when a run finishes, fails or is cancelled and when
 * a stage fails or resumes. The webhooks are the run spec's {@code notifications.webhooks} (read
 * from the spec stored in the catalog, since a transition carries only the run id) and the worker's
 * own ({@code --notify-webhook}).
 *
 * <p>It never holds up the recording activity that calls it: a transition is put on a bounded queue
 * and sent from a background thread; a full queue drops it (logged and counted). Each post has
 * connect and request timeouts and is retried with exponential backoff on connection errors,
 * timeouts, 408, 429 and 5xx, at most {@link Options#maxAttempts} times in all; other 4xx are not
 * retried. Every outcome is counted in {@code connectome_notifications_total{event, outcome}}
 * (outcome: sent, retried, failed, dropped). Webhook URLs are secrets (Slack's carry the token):
 * logs name the host only.
 */
public final class WebhookNotifier implements RecordingActivitiesImpl.RunListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);
  private static final int DEDUP_KEYS = 512;

  /**
   * The notification settings of a run (its spec's {@code notifications}), or null when it has
   * none.
   */
  @FunctionalInterface
  public interface SettingsSource {
    NotificationsSpec notifications(String runId);
  }

  /**
   * @param connectTimeout TCP/TLS connect timeout of a post
   * @param requestTimeout whole-response timeout of a post
   * @param maxAttempts posts of one message to one webhook, first attempt included
   * @param initialBackoff wait before the first retry; doubles per retry (with +-20 % jitter)
   * @param maxBackoff longest wait between attempts (also caps a server's Retry-After)
   * @param queueCapacity transitions waiting to be sent before new ones are dropped
   * @param maxInFlight deliveries (posting or waiting to retry) at once before new ones are dropped
   */
  public record Options(
      Duration connectTimeout,
      Duration requestTimeout,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      int queueCapacity,
      int maxInFlight) {
    public static Options defaults() {
      return new Options(
          Duration.ofSeconds(5),
          Duration.ofSeconds(10),
          4,
          Duration.ofMillis(500),
          Duration.ofSeconds(10),
          1_000,
          64);
    }

    public Options withBackoff(Duration initial, Duration max) {
      return new Options(
          connectTimeout, requestTimeout, maxAttempts, initial, max, queueCapacity, maxInFlight);
    }

    public Options withTimeouts(Duration connect, Duration request) {
      return new Options(
          connect, request, maxAttempts, initialBackoff, maxBackoff, queueCapacity, maxInFlight);
    }

    public Options withLimits(int queue, int inFlight) {
      return new Options(
          connectTimeout, requestTimeout, maxAttempts, initialBackoff, maxBackoff, queue, inFlight);
    }
  }

  private final SettingsSource settings;
  private final List<WebhookSpec> serverWebhooks;
  private final Options options;
  private final HttpClient http;
  private final Counter counter;
  private final ThreadPoolExecutor dispatcher;
  private final ScheduledThreadPoolExecutor timer;

  /** Transitions accepted and deliveries started that have not reached an outcome yet. */
  private final AtomicInteger pending = new AtomicInteger();

  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, Boolean> seen =
      new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > DEDUP_KEYS;
        }
      };
  private volatile boolean closed;

  /**
   * When a dropped notification was last logged: a webhook that is down must not flood the log
   * either.
   */
  private final AtomicLong lastDropLog = new AtomicLong();

  private final AtomicInteger droppedSinceLog = new AtomicInteger();

  /**
   * A notifier for the runs of {@code catalog}, also posting every event to {@code
   * serverWebhookUrls} (may be empty), counting in {@code registry}.
   */
  public static WebhookNotifier forCatalog(
      Catalog catalog, List<String> serverWebhookUrls, PrometheusRegistry registry) {
    List<WebhookSpec> server = new ArrayList<>();
    for (String url : serverWebhookUrls == null ? List.<String>of() : serverWebhookUrls) {
      if (url != null && !url.isBlank()) {
        server.add(new WebhookSpec(url.trim(), List.of()));
      }
    }
    return new WebhookNotifier(catalogSettings(catalog), server, registry, Options.defaults());
  }

  /** Reads a run's notification settings from the spec the catalog stored when the run started. */
  public static SettingsSource catalogSettings(Catalog catalog) {
    return runId ->
        catalog
            .runs()
            .find(runId)
            .map(
                r ->
                    r.specJson() == null
                        ? null
                        : RunSpecLoader.fromJson(r.specJson()).notifications())
            .orElse(null);
  }

  public WebhookNotifier(
      SettingsSource settings,
      List<WebhookSpec> serverWebhooks,
      PrometheusRegistry registry,
      Options options) {
    this.settings = Objects.requireNonNull(settings);
    this.serverWebhooks = List.copyOf(serverWebhooks);
    this.options = options;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(options.connectTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    this.counter =
        Counter.builder()
            .name("connectome_notifications_total")
            .help(
                "Webhook notifications by event and outcome: sent, retried (an attempt failed and another follows), "
                    + "failed (gave up: retries exhausted or refused), dropped (queue full or shutting down)")
            .labelNames("event", "outcome")
            .register(registry);
    for (NotifyEvent e : NotifyEvent.values()) {
      for (String o : new String[] {"sent", "retried", "failed", "dropped"}) {
        counter.labelValues(e.id(), o);
      }
    }
    this.dispatcher =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(Math.max(1, options.queueCapacity())),
            r -> daemon(r, "connectome-notify"));
    this.timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "connectome-notify-retry"));
    this.timer.setRemoveOnCancelPolicy(true);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void runChanged(RecordRunInput in) {
    try {
      NotifyEvent e = NotifyEvent.of(in);
      if (e != null) {
        submit(
            new Notification(
                e,
                in.runId(),
                null,
                in.state() == null ? null : in.state().name(),
                in.message(),
                Instant.now()));
      }
    } catch (RuntimeException ex) {
      log.warn(
          "notification of {} not sent: {}", in.runId(), ex.toString()); // never fail the recording
    }
  }

  @Override
  public void stageChanged(RecordStageInput in) {
    try {
      NotifyEvent e = NotifyEvent.of(in);
      if (e != null) {
        submit(
            new Notification(
                e,
                in.runId(),
                in.stage(),
                in.state() == null ? null : in.state().name(),
                in.message(),
                Instant.now()));
      }
    } catch (RuntimeException ex) {
      log.warn("notification of {} stage {} not sent: {}", in.runId(), in.stage(), ex.toString());
    }
  }

  /**
   * Queues {@code n} for its webhooks and returns at once: false when it was dropped (queue full,
   * shutting down) or is a repeat of a transition already queued (a retried recording activity).
   */
  public boolean submit(Notification n) {
    if (closed) {
      count(n.event(), "dropped");
      return false;
    }
    synchronized (seen) {
      if (seen.put(n.dedupKey(), Boolean.TRUE) != null) {
        return false;
      }
    }
    pending.incrementAndGet();
    try {
      dispatcher.execute(
          () -> {
            try {
              dispatch(n);
            } finally {
              pending.decrementAndGet();
            }
          });
      return true;
    } catch (RejectedExecutionException full) {
      pending.decrementAndGet();
      dropped(n, "the notification queue is full");
      return false;
    }
  }

  /**
   * The webhooks that want {@code n} (each URL once) and the run's link; on the dispatcher thread.
   */
  private void dispatch(Notification n) {
    NotificationsSpec spec = null;
    try {
      spec = settings.notifications(n.runId());
    } catch (RuntimeException e) {
      log.warn(
          "cannot read the notification settings of {}: {}; using the worker's webhooks only",
          n.runId(),
          e.toString());
    }
    Set<String> urls = new LinkedHashSet<>();
    if (spec != null) {
      for (WebhookSpec w : spec.webhooks()) {
        if (wants(w, n.event())) {
          urls.add(w.url());
        }
      }
    }
    for (WebhookSpec w : serverWebhooks) {
      if (wants(w, n.event())) {
        urls.add(w.url());
      }
    }
    if (urls.isEmpty()) {
      return;
    }
    String body =
        SlackMessage.json(n, SlackMessage.runLink(spec == null ? null : spec.runLink(), n));
    for (String url : urls) {
      URI uri;
      try {
        uri = URI.create(url.trim());
        if (!"http".equalsIgnoreCase(uri.getScheme())
            && !"https".equalsIgnoreCase(uri.getScheme())) {
          throw new IllegalArgumentException("not an http(s) URL");
        }
      } catch (IllegalArgumentException e) {
        count(n.event(), "failed");
        log.warn(
            "webhook of {} is not a valid http(s) URL; {} not sent", n.runId(), n.event().id());
        continue;
      }
      if (inFlight.get() >= options.maxInFlight()) {
        dropped(n, inFlight.get() + " webhook deliveries are in flight");
        continue;
      }
      inFlight.incrementAndGet();
      pending.incrementAndGet();
      attempt(new Delivery(n, uri, body), 1);
    }
  }

  private static boolean wants(WebhookSpec w, NotifyEvent e) {
    if (w.url() == null || w.url().isBlank()) {
      return false;
    }
    if (w.events().isEmpty()) {
      return true;
    }
    for (String id : w.events()) {
      if (NotifyEvent.byId(id) == e) {
        return true;
      }
    }
    return false;
  }

  private record Delivery(Notification n, URI uri, String body) {}

  private void attempt(Delivery d, int attempt) {
    HttpRequest req =
        HttpRequest.newBuilder(d.uri())
            .timeout(options.requestTimeout())
            .header("Content-Type", "application/json; charset=utf-8")
            .header("User-Agent", "connectome-notifier")
            .POST(HttpRequest.BodyPublishers.ofString(d.body(), StandardCharsets.UTF_8))
            .build();
    try {
      http.sendAsync(req, HttpResponse.BodyHandlers.discarding())
          .whenComplete((resp, err) -> outcome(d, attempt, resp, err));
    } catch (RuntimeException e) {
      outcome(d, attempt, null, e);
    }
  }

  private void outcome(Delivery d, int attempt, HttpResponse<?> resp, Throwable err) {
    try {
      Throwable cause =
          err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      int status = resp == null ? -1 : resp.statusCode();
      if (cause == null && status >= 200 && status < 300) {
        count(d.n().event(), "sent");
        finish();
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
        count(d.n().event(), "retried");
        log.info(
            "webhook {} refused {} of {}: {}; attempt {} of {} in {} ms",
            d.uri().getHost(),
            d.n().event().id(),
            d.n().runId(),
            what,
            attempt + 1,
            options.maxAttempts(),
            wait.toMillis());
        try {
          timer.schedule(() -> attempt(d, attempt + 1), wait.toMillis(), TimeUnit.MILLISECONDS);
          return;
        } catch (RejectedExecutionException shuttingDown) {
          // fall through: counted as failed below
        }
      }
      count(d.n().event(), "failed");
      log.warn(
          "webhook {}: {} of {} not delivered after {} attempt{}: {}",
          d.uri().getHost(),
          d.n().event().id(),
          d.n().runId(),
          attempt,
          attempt == 1 ? "" : "s",
          what);
      finish();
    } catch (RuntimeException e) {
      log.warn("webhook delivery bookkeeping failed: {}", e.toString());
      finish();
    }
  }

  private void finish() {
    inFlight.decrementAndGet();
    pending.decrementAndGet();
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

  /** Counts a dropped notification; logs at most one line per 10 seconds. */
  private void dropped(Notification n, String why) {
    count(n.event(), "dropped");
    int dropped = droppedSinceLog.incrementAndGet();
    long now = System.nanoTime();
    long last = lastDropLog.get();
    if ((last == 0 || now - last >= TimeUnit.SECONDS.toNanos(10))
        && lastDropLog.compareAndSet(last, now)) {
      droppedSinceLog.addAndGet(-dropped);
      log.warn(
          "{}: dropped {} of {}{}",
          why,
          n.event().id(),
          n.runId(),
          dropped > 1 ? " (" + dropped + " notifications dropped since the last message)" : "");
    }
  }

  private void count(NotifyEvent e, String outcome) {
    counter.labelValues(e.id(), outcome).inc();
  }

  /** Transitions queued and deliveries not finished yet. */
  public int pending() {
    return pending.get();
  }

  /**
   * Waits up to {@code grace} for queued and in-flight notifications to be delivered (or given up),
   * then stops. Returns whether all were.
   */
  public boolean close(Duration grace) {
    closed = true;
    dispatcher.shutdown();
    long deadline = System.nanoTime() + grace.toNanos();
    while (pending.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int left = pending.get();
    dispatcher.shutdownNow();
    timer.shutdownNow();
    if (left > 0) {
      log.warn(
          "{} webhook notification{} not delivered before shutdown", left, left == 1 ? "" : "s");
    }
    return left == 0;
  }

  /** {@link #close(Duration)} with 10 seconds of grace. */
  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
