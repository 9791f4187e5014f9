package org.connectome.spec;

import java.util.List;

/**
 * Where the platform reports what staff need to know without watching a dashboard.
 *
 * @param webhooks webhooks that receive a Slack-compatible JSON message per event
 * @param runLink link to the run for people, with {@code {sample}} and {@code {run}} placeholders
 */
public record NotificationsSpec(List<WebhookSpec> webhooks, String runLink) {
  public NotificationsSpec {
    webhooks = webhooks == null ? List.of() : List.copyOf(webhooks);
  }
}
