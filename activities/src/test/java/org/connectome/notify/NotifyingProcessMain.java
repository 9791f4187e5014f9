package org.connectome.notify;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.connectome.activities.recording.RecordRunInput;
import org.connectome.activities.recording.RecordingActivitiesImpl;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.NotificationOutbox;
import org.connectome.catalog.RunState;
import org.connectome.spec.WebhookSpec;

/**
 * A worker process for {@link NotificationCrashTest}: {@code MODE CATALOG_URL WEBHOOK_URL
 * CLAIM_MILLIS}. {@code record} records that run {@code demo/r1} finished (its notification queued,
 * not delivered) and waits to be killed; {@code record-and-deliver} also delivers meanwhile; {@code
 * deliver} delivers until every notification of the run is settled, then exits.
 */
public final class NotifyingProcessMain {
  static final String RUN = "demo/r1";

  private NotifyingProcessMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    List<WebhookSpec> webhook = List.of(new WebhookSpec(args[2], List.of()));
    WebhookNotifier.Options options =
        WebhookNotifier.Options.defaults()
            .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
            .withDelivery(8, Duration.ofMillis(100), Duration.ofMillis(Long.parseLong(args[3])));
    try (Catalog catalog = Catalog.open(args[1])) {
      WebhookNotifier notifier =
          mode.equals("record")
              ? WebhookNotifier.queueingOnly(runId -> null, webhook, new PrometheusRegistry())
              : WebhookNotifier.delivering(
                  runId -> null,
                  webhook,
                  catalog.notifications(),
                  new PrometheusRegistry(),
                  options);
      if (mode.startsWith("record")) {
        new RecordingActivitiesImpl(catalog, Clock.systemUTC(), notifier)
            .recordRun(
                new RecordRunInput(
                    RUN, null, null, RunState.DONE, EventKind.RUN_FINISHED, "all 7 stages done"));
        System.out.println("recorded");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // until killed
      }
      while (catalog.notifications().ofRun(RUN).stream()
          .anyMatch(n -> n.state() == NotificationOutbox.State.PENDING)) {
        Thread.sleep(50);
      }
      notifier.close();
      System.out.println("settled");
    }
  }
}
