package org.connectome.catalog;

import static org.connectome.catalog.Sql.clip;
import static org.connectome.catalog.Sql.instant;
import static org.connectome.catalog.Sql.query;
import static org.connectome.catalog.Sql.update;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Notifications waiting to be delivered, written with their events ({@link
 * EventStore#record(RunEvent, List)}) and kept until they are sent or given up, whatever process
 * dies meanwhile.
 *
 * <p>A deliverer claims due notifications for a while ({@link #claimDue}); one conditional UPDATE
 * per claim, so two deliverers never hold the same notification, and a claim whose holder died
 * expires. Delivery is at least once: a holder that dies after posting and before {@link #sent}
 * leaves the notification to be posted again, with the same idempotency key.
 */
public final class NotificationOutbox {
  /** Where a notification stands. */
  public enum State {
    PENDING,
    SENT,
    FAILED
  }

  /**
   * A notification as the outbox keeps it.
   *
   * @param claim the claim that holds it now (null when unclaimed)
   * @param attempts posts made so far
   */
  public record Notification(
      long id,
      String runId,
      String event,
      String target,
      String idempotencyKey,
      String body,
      State state,
      int attempts,
      Instant nextAttemptAt,
      String claim,
      String lastError) {}

  private static final String COLUMNS =
      "id, run_id, notify_event, target, idempotency_key, body, state, attempts,"
          + " next_attempt_at, claimed_by, last_error";

  private final Database db;

  NotificationOutbox(Database db) {
    this.db = db;
  }

  /** Writes {@code messages} of event {@code eventId} in the caller's transaction. */
  static int enqueue(
      Connection c, long eventId, String runId, List<OutboxMessage> messages, Instant now)
      throws SQLException {
    int written = 0;
    for (OutboxMessage m : messages) {
      if (Sql.first(
              c,
              "SELECT id FROM catalog_notification WHERE idempotency_key = ?",
              rs -> rs.getLong(1),
              m.idempotencyKey())
          .isPresent()) {
        continue;
      }
      written +=
          update(
              c,
              "INSERT INTO catalog_notification (event_id, run_id, notify_event, target,"
                  + " idempotency_key, body, state, attempts, next_attempt_at, created_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
              eventId,
              runId,
              m.event(),
              m.target(),
              m.idempotencyKey(),
              m.body(),
              State.PENDING,
              now,
              now);
    }
    return written;
  }

  /**
   * Claims up to {@code limit} pending notifications that are due and not held by a live claim,
   * oldest first, for {@code claimFor}; {@code holder} names the deliverer in the claim.
   */
  public List<Notification> claimDue(String holder, Duration claimFor, int limit) {
    Objects.requireNonNull(holder, "holder");
    if (limit <= 0) {
      return List.of();
    }
    String claim = holder + "/" + UUID.randomUUID();
    return db.write(
        "claim due notifications",
        false,
        c -> {
          Instant now = db.now();
          String free =
              "state = ? AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)";
          int n =
              update(
                  c,
                  "UPDATE catalog_notification SET claimed_by = ?, claimed_until = ? WHERE "
                      + free
                      + " AND id IN (SELECT id FROM catalog_notification WHERE "
                      + free
                      + " ORDER BY id LIMIT ?)",
                  claim,
                  now.plus(claimFor),
                  State.PENDING,
                  now,
                  now,
                  State.PENDING,
                  now,
                  now,
                  limit);
          if (n == 0) {
            return List.of();
          }
          return query(
              c,
              "SELECT " + COLUMNS + " FROM catalog_notification WHERE claimed_by = ? ORDER BY id",
              NotificationOutbox::notification,
              claim);
        });
  }

  /** Marks a claimed notification delivered. Returns false when the claim was lost meanwhile. */
  public boolean sent(Notification n) {
    return finish(n, "SET state = ?, finished_at = ?, last_error = NULL", State.SENT, null);
  }

  /** Gives a claimed notification up for good, with the reason. */
  public boolean failed(Notification n, String error) {
    return finish(n, "SET state = ?, finished_at = ?, last_error = ?", State.FAILED, error);
  }

  /** Leaves a claimed notification for another attempt {@code delay} from now. */
  public boolean retryAfter(Notification n, Duration delay, String error) {
    Objects.requireNonNull(delay, "delay");
    return db.write(
        "schedule another attempt of notification " + n.id(),
        false,
        c ->
            update(
                    c,
                    "UPDATE catalog_notification SET attempts = attempts + 1,"
                        + " next_attempt_at = ?, last_error = ?, claimed_by = NULL,"
                        + " claimed_until = NULL WHERE id = ? AND claimed_by = ?",
                    db.now().plus(delay),
                    clip(error),
                    n.id(),
                    n.claim())
                == 1);
  }

  private boolean finish(Notification n, String set, State state, String error) {
    return db.write(
        "mark notification " + n.id() + " " + state,
        false,
        c -> {
          Instant now = db.now();
          Object[] args =
              error == null
                  ? new Object[] {state, now, n.id(), n.claim()}
                  : new Object[] {state, now, clip(error), n.id(), n.claim()};
          return update(
                  c,
                  "UPDATE catalog_notification "
                      + set
                      + ", attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL"
                      + " WHERE id = ? AND claimed_by = ?",
                  args)
              == 1;
        });
  }

  /** When the next pending notification is due (claimed or not), or empty when none is pending. */
  public Optional<Instant> nextDue() {
    return db.read(
            "read when the next notification is due",
            c ->
                Sql.first(
                    c,
                    "SELECT MIN(COALESCE(claimed_until, next_attempt_at)) AS due"
                        + " FROM catalog_notification WHERE state = ?",
                    rs -> instant(rs, "due"),
                    State.PENDING))
        .filter(Objects::nonNull);
  }

  /** The notifications of a run, oldest first. */
  public List<Notification> ofRun(String runId) {
    Objects.requireNonNull(runId, "runId");
    return db.read(
        "read notifications of run " + runId,
        c ->
            query(
                c,
                "SELECT " + COLUMNS + " FROM catalog_notification WHERE run_id = ? ORDER BY id",
                NotificationOutbox::notification,
                runId));
  }

  private static Notification notification(java.sql.ResultSet rs) throws SQLException {
    return new Notification(
        rs.getLong("id"),
        rs.getString("run_id"),
        rs.getString("notify_event"),
        rs.getString("target"),
        rs.getString("idempotency_key"),
        rs.getString("body"),
        State.valueOf(rs.getString("state")),
        rs.getInt("attempts"),
        instant(rs, "next_attempt_at"),
        rs.getString("claimed_by"),
        rs.getString("last_error"));
  }
}
