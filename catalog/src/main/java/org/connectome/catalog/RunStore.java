package org.connectome.catalog;

import static org.connectome.catalog.Sql.clip;
import static org.connectome.catalog.Sql.instant;
import static org.connectome.catalog.Sql.lifecycleArgs;
import static org.connectome.catalog.Sql.lifecycleColumns;
import static org.connectome.catalog.Sql.query;
import static org.connectome.catalog.Sql.update;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The runs of the catalog: one row per {@code sample/run}, its spec, workflow and state. */
public final class RunStore {
  static final String COLUMNS =
      "run_id, sample, run_name, spec_json, spec_hash, workflow_id, state,"
          + " error, created_at, updated_at, started_at, finished_at";

  private final Database db;

  RunStore(Database db) {
    this.db = db;
  }

  /**
   * Inserts a run in state PENDING, or updates spec_json, spec_hash and workflow_id of an existing
   * one.
   */
  public RunRecord register(NewRun run) {
    Objects.requireNonNull(run, "run");
    return db.write(
        "register run " + run.runId(),
        true,
        c -> {
          Instant now = db.now();
          int n =
              update(
                  c,
                  "UPDATE catalog_run SET spec_json = ?, spec_hash = ?, workflow_id = ?,"
                      + " updated_at = ? WHERE run_id = ?",
                  run.specJson(),
                  run.specHash(),
                  run.workflowId(),
                  now,
                  run.runId());
          if (n == 0) {
            update(
                c,
                "INSERT INTO catalog_run (run_id, sample, run_name, spec_json, spec_hash,"
                    + " workflow_id, state, created_at, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                run.runId(),
                run.sample(),
                run.run(),
                run.specJson(),
                run.specHash(),
                run.workflowId(),
                RunState.PENDING,
                now,
                now);
          }
          return find(c, run.runId()).orElseThrow(() -> new NoSuchRunException(run.runId()));
        });
  }

  public Optional<RunRecord> find(String runId) {
    Objects.requireNonNull(runId, "runId");
    return db.read("find run " + runId, c -> find(c, runId));
  }

  /** Runs, most recently updated first. */
  public List<RunRecord> list(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit < 0: " + limit);
    }
    if (limit == 0) {
      return List.of();
    }
    return db.read(
        "list runs",
        c ->
            query(
                c,
                "SELECT " + COLUMNS + " FROM catalog_run ORDER BY updated_at DESC, run_id LIMIT ?",
                RunStore::record,
                limit));
  }

  /**
   * Sets a run's state and error (null clears it). started_at is set on the first RUNNING,
   * finished_at on the first of DONE, FAILED, CANCELLED, and cleared when the run is RUNNING again.
   *
   * @throws NoSuchRunException if the run is not registered
   */
  public void updateState(String runId, RunState state, String error) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(state, "state");
    boolean running = state == RunState.RUNNING;
    db.write(
        "update state of run " + runId,
        false,
        c -> {
          Instant now = db.now();
          int n =
              update(
                  c,
                  "UPDATE catalog_run SET state = ?, error = ?, updated_at = ?"
                      + lifecycleColumns(running, state.isTerminal())
                      + " WHERE run_id = ?",
                  lifecycleArgs(
                      running,
                      state.isTerminal(),
                      now,
                      new Object[] {state, clip(error), now},
                      runId));
          if (n == 0) {
            throw new NoSuchRunException(runId);
          }
          return null;
        });
  }

  static Optional<RunRecord> find(Connection c, String runId) throws SQLException {
    return Sql.first(
        c, "SELECT " + COLUMNS + " FROM catalog_run WHERE run_id = ?", RunStore::record, runId);
  }

  static RunRecord record(ResultSet rs) throws SQLException {
    return new RunRecord(
        rs.getString("run_id"),
        rs.getString("sample"),
        rs.getString("run_name"),
        rs.getString("spec_json"),
        rs.getString("spec_hash"),
        rs.getString("workflow_id"),
        RunState.valueOf(rs.getString("state")),
        rs.getString("error"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"),
        instant(rs, "started_at"),
        instant(rs, "finished_at"));
  }
}
