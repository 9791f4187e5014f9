package org.connectome.activities.recording;

import java.util.List;
import org.connectome.catalog.OutboxMessage;

/**
 * The notifications a recorded run or stage transition sends. The recording activity writes them
 * with the transition's event in one transaction (the catalog's outbox), so they survive the
 * process; a deliverer sends them.
 */
public interface TransitionNotifications {
  /** Sends nothing. */
  TransitionNotifications NONE = new TransitionNotifications() {};

  /**
   * @param transition identifies this recording: the same when the recording is retried, so the
   *     notifications' idempotency keys derived from it are too
   */
  default List<OutboxMessage> forRun(RecordRunInput input, String transition) {
    return List.of();
  }

  /** As {@link #forRun}, for a stage's transition. */
  default List<OutboxMessage> forStage(RecordStageInput input, String transition) {
    return List.of();
  }

  /** Told after {@code count} notifications were written (committed), so delivery can start. */
  default void queued(int count) {}
}
