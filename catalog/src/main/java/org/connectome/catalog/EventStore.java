package org.connectome.catalog;

import static org.connectome.catalog.Sql.clip;
import static org.connectome.catalog.Sql.instant;
import static org.connectome.catalog.Sql.query;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What happened to runs, newest first, with the notifications each event sends (the outbox). */
public final class EventStore {
  private final Database db;

  EventStore(Database db) {
    this.db = db;
  }

  /**
   * Records an event; its id is assigned by the database, a null {@code at} means now.
   *
   * @throws NoSuchRunException if the run is not registered
   */
  public void record(RunEvent e) {
    record(e, List.of());
  }

  /**
   * Records an event and, in the same transaction, its notifications in the outbox, where a
   * deliverer finds them even if this process dies at once. A notification whose idempotency key is
   * in the outbox already (a recording retried) is not written again.
   *
   * @return the notifications written
   * @throws NoSuchRunException if the run is not registered
   */
  public int record(RunEvent e, List<OutboxMessage> notifications) {
    Objects.requireNonNull(e, "event");
    List<OutboxMessage> messages = List.copyOf(notifications);
    return db.write(
        "record event " + e.kind() + " of run " + e.runId(),
        true,
        c -> {
          long id;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO catalog_event (run_id, stage, step, kind, message, occurred_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?)",
                  Statement.RETURN_GENERATED_KEYS)) {
            Sql.bind(
                ps,
                e.runId(),
                e.stage(),
                e.step(),
                e.kind(),
                clip(e.message()),
                e.at() == null ? db.now() : e.at().truncatedTo(ChronoUnit.MICROS));
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
              keys.next();
              id = keys.getLong(1);
            }
          } catch (SQLException ex) {
            if (Sql.isForeignKeyViolation(ex)) {
              throw new NoSuchRunException(e.runId());
            }
            throw ex;
          }
          return NotificationOutbox.enqueue(c, id, e.runId(), messages, db.now());
        });
  }

  /** The newest {@code limit} events of a run, newest first. */
  public List<RunEvent> latest(String runId, int limit) {
    Objects.requireNonNull(runId, "runId");
    if (limit < 0) {
      throw new IllegalArgumentException("limit < 0: " + limit);
    }
    if (limit == 0) {
      return List.of();
    }
    return db.read(
        "read events of run " + runId,
        c ->
            query(
                c,
                "SELECT id, run_id, stage, step, kind, message, occurred_at FROM catalog_event"
                    + " WHERE run_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?",
                rs ->
                    new RunEvent(
                        rs.getLong("id"),
                        rs.getString("run_id"),
                        rs.getString("stage"),
                        rs.getString("step"),
                        EventKind.valueOf(rs.getString("kind")),
                        rs.getString("message"),
                        instant(rs, "occurred_at")),
                runId,
                limit));
  }

  /** How many events of each kind a run has (kinds without events are absent). */
  public Map<EventKind, Long> countByKind(String runId) {
    Objects.requireNonNull(runId, "runId");
    return db.read(
        "count events of run " + runId,
        c -> {
          Map<EventKind, Long> out = new EnumMap<>(EventKind.class);
          for (Map.Entry<String, Long> row :
              query(
                  c,
                  "SELECT kind, COUNT(*) FROM catalog_event WHERE run_id = ? GROUP BY kind",
                  rs -> Map.entry(rs.getString(1), rs.getLong(2)),
                  runId)) {
            out.put(EventKind.valueOf(row.getKey()), row.getValue());
          }
          return out;
        });
  }
}
