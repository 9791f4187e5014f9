package org.connectome.spec;

import java.util.List;

/**
 * One webhook.
 *
 * @param url where to POST the message
 * @param events which events to send: run_finished, run_failed, run_cancelled, stage_failed,
 *     stage_resumed, run_held (default: all)
 */
public record WebhookSpec(String url, List<String> events) {
  public WebhookSpec {
    events = events == null ? List.of() : List.copyOf(events);
  }
}
