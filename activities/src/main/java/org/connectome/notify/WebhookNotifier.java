package org.connectome.notify;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.connectome.activities.recording.RecordRunInput;
import org.connectome.activities.recording.RecordStageInput;
import org.connectome.activities.recording.TransitionNotifications;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.NotificationOutbox;
import org.connectome.catalog.OutboxMessage;
import org.connectome.spec.NotificationsSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.spec.WebhookSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slack-compatible messages to webhooks when a run finishes, fails or is cancelled and when a stage
 * fails or resumes. The webhooks are the run spec's {@code notifications.webhooks} (read from the
 * spec stored in the catalog, since a transition carries only the run id) and the worker's own
 * ({@code --notify-webhook}).
 *
 * <p>Durable: the recording activity writes each message with the transition's event into the
 * catalog's outbox, in one transaction, and an {@link OutboxDeliverer} posts it from there, in this
 * process or any later one. A message's idempotency key comes from the recording and the webhook,
 * so a retried recording writes nothing twice, and every post of one message carries the same key.
 */
public final class WebhookNotifier implements TransitionNotifications, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);

  /** Outcomes counted in {@code connectome_notifications_total}. */
  static final List<String> OUTCOMES = List.of("sent", "retried", "failed");

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
   * @param maxInFlight posts under way at once from this process; the rest wait in the outbox
   * @param pollInterval how often the outbox is looked at besides when this process queues
   * @param claimFor how long a post keeps its message from other deliverers: longer than a post
   *     takes; the time after which a message whose deliverer died is posted again
   */
  public record Options(
      Duration connectTimeout,
      Duration requestTimeout,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      int maxInFlight,
      Duration pollInterval,
      Duration claimFor) {
    public static Options defaults() {
      return new Options(
          Duration.ofSeconds(5),
          Duration.ofSeconds(10),
          4,
          Duration.ofMillis(500),
          Duration.ofSeconds(10),
          64,
          Duration.ofSeconds(1),
          Duration.ofSeconds(60));
    }

    public Options withBackoff(Duration initial, Duration max) {
      return new Options(
          connectTimeout,
          requestTimeout,
          maxAttempts,
          initial,
          max,
          maxInFlight,
          pollInterval,
          claimFor);
    }

    public Options withTimeouts(Duration connect, Duration request) {
      return new Options(
          connect,
          request,
          maxAttempts,
          initialBackoff,
          maxBackoff,
          maxInFlight,
          pollInterval,
          claimFor);
    }

    public Options withDelivery(int inFlight, Duration poll, Duration claim) {
      return new Options(
          connectTimeout,
          requestTimeout,
          maxAttempts,
          initialBackoff,
          maxBackoff,
          inFlight,
          poll,
          claim);
    }
  }

  private final SettingsSource settings;
  private final List<WebhookSpec> serverWebhooks;
  private final Counter counter;
  private final OutboxDeliverer deliverer;

  private WebhookNotifier(
      SettingsSource settings,
      List<WebhookSpec> serverWebhooks,
      Counter counter,
      OutboxDeliverer deliverer) {
    this.settings = Objects.requireNonNull(settings);
    this.serverWebhooks = List.copyOf(serverWebhooks);
    this.counter = counter;
    this.deliverer = deliverer;
  }

  /**
   * A notifier for the runs of {@code catalog}, also posting every event to {@code
   * serverWebhookUrls} (may be empty), delivering from the catalog's outbox, counting in {@code
   * registry}.
   */
  public static WebhookNotifier forCatalog(
      Catalog catalog, List<String> serverWebhookUrls, PrometheusRegistry registry) {
    List<WebhookSpec> server = new ArrayList<>();
    for (String url : serverWebhookUrls == null ? List.<String>of() : serverWebhookUrls) {
      if (url != null && !url.isBlank()) {
        server.add(new WebhookSpec(url.trim(), List.of()));
      }
    }
    return delivering(
        catalogSettings(catalog), server, catalog.notifications(), registry, Options.defaults());
  }

  /** A notifier whose messages this process also delivers from {@code outbox}. */
  public static WebhookNotifier delivering(
      SettingsSource settings,
      List<WebhookSpec> serverWebhooks,
      NotificationOutbox outbox,
      PrometheusRegistry registry,
      Options options) {
    Counter counter = counter(registry);
    return new WebhookNotifier(
        settings, serverWebhooks, counter, new OutboxDeliverer(outbox, counter, options));
  }

  /** A notifier that only queues its messages: another process delivers them. */
  public static WebhookNotifier queueingOnly(
      SettingsSource settings, List<WebhookSpec> serverWebhooks, PrometheusRegistry registry) {
    return new WebhookNotifier(settings, serverWebhooks, counter(registry), null);
  }

  private static Counter counter(PrometheusRegistry registry) {
    Counter counter =
        Counter.builder()
            .name("connectome_notifications_total")
            .help(
                "Webhook notifications by event and outcome: sent, retried (an attempt failed and"
                    + " another follows), failed (gave up: retries exhausted or refused)")
            .labelNames("event", "outcome")
            .register(registry);
    for (NotifyEvent e : NotifyEvent.values()) {
      for (String o : OUTCOMES) {
        counter.labelValues(e.id(), o);
      }
    }
    return counter;
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

  @Override
  public List<OutboxMessage> forRun(RecordRunInput in, String transition) {
    NotifyEvent e = NotifyEvent.of(in);
    if (e == null) {
      return List.of();
    }
    return messages(
        new Notification(
            e,
            in.runId(),
            null,
            in.state() == null ? null : in.state().name(),
            in.message(),
            Instant.now()),
        transition);
  }

  @Override
  public List<OutboxMessage> forStage(RecordStageInput in, String transition) {
    NotifyEvent e = NotifyEvent.of(in);
    if (e == null) {
      return List.of();
    }
    return messages(
        new Notification(
            e,
            in.runId(),
            in.stage(),
            in.state() == null ? null : in.state().name(),
            in.message(),
            Instant.now()),
        transition);
  }

  @Override
  public void queued(int count) {
    if (count > 0 && deliverer != null) {
      deliverer.wake();
    }
  }

  /** One message per webhook that wants {@code n} (each URL once). */
  private List<OutboxMessage> messages(Notification n, String transition) {
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
          urls.add(w.url().trim());
        }
      }
    }
    for (WebhookSpec w : serverWebhooks) {
      if (wants(w, n.event())) {
        urls.add(w.url().trim());
      }
    }
    String link = SlackMessage.runLink(spec == null ? null : spec.runLink(), n);
    List<OutboxMessage> out = new ArrayList<>();
    for (String url : urls) {
      if (!isHttp(url)) {
        counter.labelValues(n.event().id(), "failed").inc();
        log.warn(
            "webhook of {} is not a valid http(s) URL; {} not sent", n.runId(), n.event().id());
        continue;
      }
      String key = idempotencyKey(transition, url);
      out.add(new OutboxMessage(n.event().id(), url, key, SlackMessage.json(n, link, key)));
    }
    return out;
  }

  /** The same for every recording of one transition to one webhook, different otherwise. */
  static String idempotencyKey(String transition, String url) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((transition + "\n" + url).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean isHttp(String url) {
    try {
      String scheme = URI.create(url).getScheme();
      return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
    } catch (IllegalArgumentException e) {
      return false;
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

  /** Posts under way in this process. */
  public int inFlight() {
    return deliverer == null ? 0 : deliverer.inFlight();
  }

  /**
   * Stops delivering, after up to {@code grace} for the posts under way; undelivered messages stay
   * in the outbox for the next process. Returns whether none was left under way.
   */
  public boolean close(Duration grace) {
    return deliverer == null || deliverer.close(grace);
  }

  /** {@link #close(Duration)} with 10 seconds of grace. */
  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
