package org.connectome.cli;

import java.util.List;
import org.connectome.notify.WebhookNotifier;
import picocli.CommandLine.Option;

/**
 * {@code --notify-webhook}: webhooks that hear about every run this process records (run finished,
 * failed or cancelled; stage failed or resumed), besides the webhooks in each run spec's {@code
 * notifications}.
 */
final class NotifyOptions {
  static final String ENV = "CX_NOTIFY_WEBHOOK";

  @Option(
      names = "--notify-webhook",
      paramLabel = "URL",
      split = ",",
      defaultValue = "${env:CX_NOTIFY_WEBHOOK}",
      description =
          "Also post a Slack-compatible message for every run's events to these webhooks "
              + "(comma-separated; env CX_NOTIFY_WEBHOOK). Run specs name their own in notifications.webhooks.")
  List<String> webhooks;

  /**
   * The notifier of a long-running worker; it gets a few seconds to deliver what is queued at
   * shutdown.
   */
  WebhookNotifier start(Platform p) {
    WebhookNotifier n = WebhookNotifier.forCatalog(p.catalog, webhooks, p.registry);
    Runtime.getRuntime().addShutdownHook(new Thread(n::close, "notify-shutdown"));
    return n;
  }

  /**
   * The notifier of {@code run} and {@code resume}: the spec's webhooks and those of {@code
   * CX_NOTIFY_WEBHOOK}.
   */
  static WebhookNotifier fromEnvironment(Platform p) {
    String env = System.getenv(ENV);
    return WebhookNotifier.forCatalog(
        p.catalog, env == null ? List.of() : List.of(env.split(",")), p.registry);
  }
}
