package org.connectome.catalog;

import java.util.Objects;

/**
 * A notification to deliver, written to the outbox with the event it tells about.
 *
 * @param event what it tells, as metrics and logs name it ({@code run_failed})
 * @param target where it goes: a webhook URL (a secret: messages name its host only)
 * @param idempotencyKey the same for every delivery of this notification, so that the receiver can
 *     drop repeats; a second message with a key already in the outbox is not written again
 * @param body what is posted
 */
public record OutboxMessage(String event, String target, String idempotencyKey, String body) {
  public OutboxMessage {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(body, "body");
  }
}
