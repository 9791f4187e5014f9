package org.connectome.catalog;

import static org.connectome.catalog.Sql.NULL_TIMESTAMP;
import static org.connectome.catalog.Sql.bind;
import static org.connectome.catalog.Sql.clip;
import static org.connectome.catalog.Sql.insertForRun;
import static org.connectome.catalog.Sql.instant;
import static org.connectome.catalog.Sql.lifecycleArgs;
import static org.connectome.catalog.Sql.lifecycleColumns;
import static org.connectome.catalog.Sql.query;
import static org.connectome.catalog.Sql.update;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where runs stand: their stages, steps with unit counts, and per-shard progress; and the status
 * that {@code status}, progress bars and dashboards assemble from them.
 *
 * <p>Step unit counts are sums over the step's shard rows, moved under the step row's lock in the
 * transaction that writes a shard row, so concurrent reporters on different shards never lose an
 * update.
 */
public final class ProgressStore {
  private static final String STAGE_COLUMNS =
      "run_id, stage, stage_ordinal, state, resumes, started_at, finished_at, error";
  private static final String STEP_COLUMNS =
      "run_id, stage, step, step_ordinal, state, units_total, units_done, units_failed,"
          + " units_running, units_done_at_start, tasks_total, shards_total, params_hash,"
          + " started_at, finished_at, updated_at, error";
  private static final List<RunState> ACTIVE =
      List.of(RunState.RUNNING, RunState.PAUSED, RunState.PENDING);

  private final Database db;

  ProgressStore(Database db) {
    this.db = db;
  }

  // ---- stages

  /**
   * Inserts or updates a stage. started_at is set on the first RUNNING, finished_at on the first
   * terminal state (and cleared when RUNNING again).
   *
   * @throws NoSuchRunException if the run is not registered
   */
  public void upsertStage(String runId, String stage, int ordinal, StageState state, String error) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(state, "state");
    boolean running = state == StageState.RUNNING;
    boolean terminal = state.isTerminal();
    db.write(
        "upsert stage " + stage + " of run " + runId,
        true,
        c -> {
          Instant now = db.now();
          int n =
              update(
                  c,
                  "UPDATE catalog_stage SET stage_ordinal = ?, state = ?, error = ?, updated_at = ?"
                      + lifecycleColumns(running, terminal)
                      + " WHERE run_id = ? AND stage = ?",
                  lifecycleArgs(
                      running,
                      terminal,
                      now,
                      new Object[] {ordinal, state, clip(error), now},
                      runId,
                      stage));
          if (n == 0) {
            insertForRun(
                c,
                runId,
                "INSERT INTO catalog_stage (run_id, stage, stage_ordinal, state, resumes,"
                    + " started_at, finished_at, updated_at, error)"
                    + " VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
                runId,
                stage,
                ordinal,
                state,
                running ? now : NULL_TIMESTAMP,
                terminal ? now : NULL_TIMESTAMP,
                now,
                clip(error));
          }
          return null;
        });
  }

  /** Counts one more resume of a stage. */
  public void incrementStageResumes(String runId, String stage) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stage, "stage");
    db.write(
        "count a resume of stage " + stage + " of run " + runId,
        false,
        c -> {
          int n =
              update(
                  c,
                  "UPDATE catalog_stage SET resumes = resumes + 1, updated_at = ?"
                      + " WHERE run_id = ? AND stage = ?",
                  db.now(),
                  runId,
                  stage);
          if (n == 0) {
            throw missing(
                c, runId, "stage " + stage + " of run " + runId + " is not in the catalog");
          }
          return null;
        });
  }

  // ---- steps and shards

  /**
   * Registers (or re-registers, on resume) a step: sets its totals, replaces all its shard rows
   * with {@code r.shards()}, sets units_done_at_start to the sum of their unitsDone and the step's
   * unit counts to their sums, and sets its state to RUNNING. Creates the stage row (RUNNING, next
   * ordinal) if it does not exist. started_at is kept while the step is unfinished and set anew
   * when a finished step is registered again (a relaunch or resume), so a step's start-to-end time
   * is that of its latest execution, not the idle time between two launches.
   *
   * @throws NoSuchRunException if the run is not registered
   */
  public void registerStep(StepRegistration r) {
    Objects.requireNonNull(r, "registration");
    long done = 0;
    long failed = 0;
    long running = 0;
    for (ShardProgress p : r.shards()) {
      done += p.unitsDone();
      failed += p.unitsFailed();
      running += p.unitsRunning();
    }
    Object[] counts = {done, failed, running, done};
    db.write(
        "register step " + r.stage() + "/" + r.step() + " of run " + r.runId(),
        true,
        c -> {
          Instant now = db.now();
          ensureStage(c, r.runId(), r.stage(), now);
          int n =
              update(
                  c,
                  "UPDATE catalog_step SET step_ordinal = ?, state = ?, params_hash = ?,"
                      + " units_total = ?, units_done = ?, units_failed = ?, units_running = ?,"
                      + " units_done_at_start = ?, tasks_total = ?, shards_total = ?,"
                      + " started_at = COALESCE(CASE WHEN finished_at IS NULL THEN started_at END,"
                      + " ?), finished_at = NULL, updated_at = ?, error = NULL"
                      + " WHERE run_id = ? AND stage = ? AND step = ?",
                  r.ordinal(),
                  StepState.RUNNING,
                  r.paramsHash(),
                  r.unitsTotal(),
                  counts[0],
                  counts[1],
                  counts[2],
                  counts[3],
                  r.tasksTotal(),
                  r.shardsTotal(),
                  now,
                  now,
                  r.runId(),
                  r.stage(),
                  r.step());
          if (n == 0) {
            update(
                c,
                "INSERT INTO catalog_step (run_id, stage, step, step_ordinal, state, params_hash,"
                    + " units_total, units_done, units_failed, units_running, units_done_at_start,"
                    + " tasks_total, shards_total, started_at, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                r.runId(),
                r.stage(),
                r.step(),
                r.ordinal(),
                StepState.RUNNING,
                r.paramsHash(),
                r.unitsTotal(),
                counts[0],
                counts[1],
                counts[2],
                counts[3],
                r.tasksTotal(),
                r.shardsTotal(),
                now,
                now);
          }
          update(
              c,
              "DELETE FROM catalog_shard WHERE run_id = ? AND stage = ? AND step = ?",
              r.runId(),
              r.stage(),
              r.step());
          insertShards(c, r, now);
          return null;
        });
  }

  private static void insertShards(Connection c, StepRegistration r, Instant now)
      throws SQLException {
    if (r.shards().isEmpty()) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO catalog_shard (run_id, stage, step, shard, units_total, units_done,"
                + " units_failed, units_running, state, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      int batched = 0;
      for (ShardProgress p : r.shards()) {
        bind(
            ps,
            r.runId(),
            r.stage(),
            r.step(),
            p.shard(),
            p.unitsTotal(),
            p.unitsDone(),
            p.unitsFailed(),
            p.unitsRunning(),
            p.state(),
            now);
        ps.addBatch();
        if (++batched % 1000 == 0) {
          ps.executeBatch();
        }
      }
      if (batched % 1000 != 0) {
        ps.executeBatch();
      }
    }
  }

  /**
   * Sets a step's state and error. started_at is set on the first RUNNING, finished_at on the first
   * terminal state (and cleared when RUNNING again).
   *
   * @throws CatalogException if the step is not registered ({@link NoSuchRunException} if the run
   *     is not)
   */
  public void updateStepState(
      String runId, String stage, String step, StepState state, String error) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(state, "state");
    boolean running = state == StepState.RUNNING;
    boolean terminal = state.isTerminal();
    db.write(
        "update state of step " + stage + "/" + step + " of run " + runId,
        false,
        c -> {
          Instant now = db.now();
          int n =
              update(
                  c,
                  "UPDATE catalog_step SET state = ?, error = ?, updated_at = ?"
                      + lifecycleColumns(running, terminal)
                      + " WHERE run_id = ? AND stage = ? AND step = ?",
                  lifecycleArgs(
                      running,
                      terminal,
                      now,
                      new Object[] {state, clip(error), now},
                      runId,
                      stage,
                      step));
          if (n == 0) {
            throw missing(
                c, runId, "step " + stage + "/" + step + " of run " + runId + " is not registered");
          }
          return null;
        });
  }

  /**
   * Upserts one shard row with absolute values (reporting the same values again changes nothing),
   * and in the same transaction, under the step row's lock, moves the step's units_done,
   * units_failed and units_running by the shard's change, so they stay the sums over its shard
   * rows.
   *
   * @throws CatalogException if the step is not registered ({@link NoSuchRunException} if the run
   *     is not)
   */
  public void recordShardProgress(ShardProgress p) {
    Objects.requireNonNull(p, "progress");
    String step = p.stage() + "/" + p.step();
    db.write(
        "record progress of shard " + p.shard() + " of step " + step + " of run " + p.runId(),
        true,
        c -> {
          Instant now = db.now();
          // lock the step row first: reporters of one step serialize here, and each sees the
          // others' shard rows
          if (query(
                  c,
                  "SELECT step FROM catalog_step WHERE run_id = ? AND stage = ? AND step = ?"
                      + " FOR UPDATE",
                  rs -> rs.getString(1),
                  p.runId(),
                  p.stage(),
                  p.step())
              .isEmpty()) {
            throw missing(
                c, p.runId(), "step " + step + " of run " + p.runId() + " is not registered");
          }
          // the shard's previous values, under the step's lock: the step's sums change by the
          // difference, so a report costs the same whatever the number of shards (summing every
          // shard row made a step quadratic)
          Optional<long[]> previous =
              Sql.first(
                  c,
                  "SELECT units_done, units_failed, units_running FROM catalog_shard"
                      + " WHERE run_id = ? AND stage = ? AND step = ? AND shard = ?",
                  rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)},
                  p.runId(),
                  p.stage(),
                  p.step(),
                  p.shard());
          long[] was = previous.orElse(new long[3]);
          if (previous.isEmpty()) {
            update(
                c,
                "INSERT INTO catalog_shard (run_id, stage, step, shard, units_total, units_done,"
                    + " units_failed, units_running, state, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                p.runId(),
                p.stage(),
                p.step(),
                p.shard(),
                p.unitsTotal(),
                p.unitsDone(),
                p.unitsFailed(),
                p.unitsRunning(),
                p.state(),
                now);
          } else {
            update(
                c,
                "UPDATE catalog_shard SET units_total = ?, units_done = ?, units_failed = ?,"
                    + " units_running = ?, state = ?, updated_at = ?"
                    + " WHERE run_id = ? AND stage = ? AND step = ? AND shard = ?",
                p.unitsTotal(),
                p.unitsDone(),
                p.unitsFailed(),
                p.unitsRunning(),
                p.state(),
                now,
                p.runId(),
                p.stage(),
                p.step(),
                p.shard());
          }
          update(
              c,
              "UPDATE catalog_step SET units_done = units_done + ?,"
                  + " units_failed = units_failed + ?, units_running = units_running + ?,"
                  + " updated_at = ? WHERE run_id = ? AND stage = ? AND step = ?",
              p.unitsDone() - was[0],
              p.unitsFailed() - was[1],
              p.unitsRunning() - was[2],
              now,
              p.runId(),
              p.stage(),
              p.step());
          return null;
        });
  }

  /**
   * A step's state, or empty when the step is not registered: cheap enough for running shards to
   * poll.
   */
  public Optional<StepState> stepState(String runId, String stage, String step) {
    return db.read(
        "read the state of step " + stage + "/" + step + " of run " + runId,
        c ->
            Sql.first(
                c,
                "SELECT state FROM catalog_step WHERE run_id = ? AND stage = ? AND step = ?",
                rs -> StepState.valueOf(rs.getString(1)),
                runId,
                stage,
                step));
  }

  // ---- status

  /**
   * A run with its stages (in ordinal order) and their steps (in ordinal order), read in one
   * transaction.
   *
   * @throws NoSuchRunException if the run is not registered
   */
  public RunStatus status(String runId) {
    Objects.requireNonNull(runId, "runId");
    return db.snapshot(
        "read status of run " + runId,
        c -> {
          RunRecord run = RunStore.find(c, runId).orElseThrow(() -> new NoSuchRunException(runId));
          return assemble(c, List.of(run), "run_id = ?", runId).get(0);
        });
  }

  /** Status of every run in state RUNNING, PAUSED or PENDING, most recently updated first. */
  public List<RunStatus> activeRuns() {
    return db.snapshot(
        "read active runs",
        c -> {
          List<RunRecord> runs =
              query(
                  c,
                  "SELECT "
                      + RunStore.COLUMNS
                      + " FROM catalog_run WHERE state IN (?, ?, ?)"
                      + " ORDER BY updated_at DESC, run_id",
                  RunStore::record,
                  ACTIVE.toArray());
          if (runs.isEmpty()) {
            return List.of();
          }
          return assemble(
              c,
              runs,
              "run_id IN (SELECT run_id FROM catalog_run WHERE state IN (?, ?, ?))",
              ACTIVE.toArray());
        });
  }

  /** The stages and steps of {@code runs} (selected by {@code runFilter}), in their order. */
  private static List<RunStatus> assemble(
      Connection c, List<RunRecord> runs, String runFilter, Object... args) throws SQLException {
    record StepRow(String runId, String stage, StepStatus step) {}
    record StageRow(String runId, StageStatus stage) {}
    Map<String, Map<String, List<StepStatus>>> steps = new LinkedHashMap<>();
    for (StepRow row :
        query(
            c,
            "SELECT "
                + STEP_COLUMNS
                + " FROM catalog_step WHERE "
                + runFilter
                + " ORDER BY run_id, stage, step_ordinal, step",
            rs ->
                new StepRow(
                    rs.getString("run_id"),
                    rs.getString("stage"),
                    new StepStatus(
                        rs.getString("step"),
                        rs.getInt("step_ordinal"),
                        StepState.valueOf(rs.getString("state")),
                        rs.getLong("units_total"),
                        rs.getLong("units_done"),
                        rs.getLong("units_failed"),
                        rs.getLong("units_running"),
                        rs.getLong("units_done_at_start"),
                        rs.getLong("tasks_total"),
                        rs.getLong("shards_total"),
                        rs.getString("params_hash"),
                        instant(rs, "started_at"),
                        instant(rs, "finished_at"),
                        instant(rs, "updated_at"),
                        rs.getString("error"))),
            args)) {
      steps
          .computeIfAbsent(row.runId(), k -> new LinkedHashMap<>())
          .computeIfAbsent(row.stage(), k -> new ArrayList<>())
          .add(row.step());
    }
    Map<String, List<StageStatus>> stages = new LinkedHashMap<>();
    for (StageRow row :
        query(
            c,
            "SELECT "
                + STAGE_COLUMNS
                + " FROM catalog_stage WHERE "
                + runFilter
                + " ORDER BY run_id, stage_ordinal, stage",
            rs -> {
              String runId = rs.getString("run_id");
              String stage = rs.getString("stage");
              return new StageRow(
                  runId,
                  new StageStatus(
                      stage,
                      rs.getInt("stage_ordinal"),
                      StageState.valueOf(rs.getString("state")),
                      rs.getInt("resumes"),
                      instant(rs, "started_at"),
                      instant(rs, "finished_at"),
                      rs.getString("error"),
                      steps.getOrDefault(runId, Map.of()).getOrDefault(stage, List.of())));
            },
            args)) {
      stages.computeIfAbsent(row.runId(), k -> new ArrayList<>()).add(row.stage());
    }
    List<RunStatus> out = new ArrayList<>();
    for (RunRecord r : runs) {
      out.add(new RunStatus(r, stages.getOrDefault(r.runId(), List.of())));
    }
    return out;
  }

  private static void ensureStage(Connection c, String runId, String stage, Instant now)
      throws SQLException {
    if (Sql.first(
            c,
            "SELECT stage FROM catalog_stage WHERE run_id = ? AND stage = ?",
            rs -> rs.getString(1),
            runId,
            stage)
        .isPresent()) {
      return;
    }
    int next =
        query(
                c,
                "SELECT COALESCE(MAX(stage_ordinal) + 1, 0) FROM catalog_stage WHERE run_id = ?",
                rs -> rs.getInt(1),
                runId)
            .get(0);
    insertForRun(
        c,
        runId,
        "INSERT INTO catalog_stage (run_id, stage, stage_ordinal, state, resumes, started_at,"
            + " updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
        runId,
        stage,
        next,
        StageState.RUNNING,
        now,
        now);
  }

  /**
   * The exception for a missing stage or step: NoSuchRunException when the run itself is missing.
   */
  private static CatalogException missing(Connection c, String runId, String message)
      throws SQLException {
    if (RunStore.find(c, runId).isEmpty()) {
      return new NoSuchRunException(runId);
    }
    return new CatalogException(message);
  }
}
