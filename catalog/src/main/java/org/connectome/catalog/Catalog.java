package org.connectome.catalog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog database: runs, stages, steps with unit counts, per-shard progress, events, run
 * leases and control requests. Status commands, progress bars and dashboards read it.
 *
 * <p>Works on an embedded H2 file ({@code jdbc:h2:file:/abs/path/catalog;AUTO_SERVER=TRUE}, so that
 * a second process can read it while a run is going, see {@link #h2FileUrl(Path)}) and on
 * PostgreSQL by JDBC URL. Plain JDBC over a HikariCP pool; the schema is migrated on {@link
 * #open(String)}. Thread-safe.
 *
 * <p>Upserts are portable (UPDATE, then INSERT when no row matched, the whole transaction retried
 * on a unique violation). Step unit counts are sums over the step's shard rows, recomputed under
 * the step row's lock in the transaction that writes a shard row, so concurrent reporters on
 * different shards never lose an update.
 */
public final class Catalog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Catalog.class);

  /** Class-path directory of the schema migrations. */
  static final String MIGRATIONS = "org/connectome/catalog/migrations";

  /** Longer error messages, event messages and control reasons are cut to this many characters. */
  public static final int MAX_TEXT_CHARS = 65_536;

  private static final Pattern PASSWORD = Pattern.compile("(?i)(password\\s*=\\s*)[^;&]*");

  /** How long an H2 opener retries while another process is settling the file's lock. */
  static final java.time.Duration H2_OPEN_WAIT = java.time.Duration.ofSeconds(20);

  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final int MAX_ATTEMPTS = 12;
  private static final Object NULL_TIMESTAMP = new Object();

  private static final String RUN_COLUMNS =
      "run_id, sample, run_name, spec_json, spec_hash, workflow_id, state,"
          + " error, created_at, updated_at, started_at, finished_at";
  private static final String STAGE_COLUMNS =
      "run_id, stage, stage_ordinal, state, resumes, started_at, finished_at, error";
  private static final String STEP_COLUMNS =
      "run_id, stage, step, step_ordinal, state, units_total, units_done,"
          + " units_failed, units_running, units_done_at_start, tasks_total, shards_total, params_hash, started_at,"
          + " finished_at, updated_at, error";
  private static final List<RunState> ACTIVE =
      List.of(RunState.RUNNING, RunState.PAUSED, RunState.PENDING);

  private final HikariDataSource dataSource;
  private final Dialect dialect;
  private final Clock clock;
  private final String where;
  private final int schemaVersion;

  private Catalog(
      HikariDataSource dataSource, Dialect dialect, Clock clock, String where, int schemaVersion) {
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.clock = clock;
    this.where = where;
    this.schemaVersion = schemaVersion;
  }

  // ---- opening
  // ---------------------------------------------------------------------------------------------------

  /** Opens the catalog at a JDBC URL; user and password, if any, come from the URL. */
  public static Catalog open(String jdbcUrl) {
    return open(jdbcUrl, null, null, Clock.systemUTC());
  }

  public static Catalog open(String jdbcUrl, String user, String password) {
    return open(jdbcUrl, user, password, Clock.systemUTC());
  }

  /**
   * Opens the catalog, creating or migrating its schema.
   *
   * @param clock the application clock for every timestamp the catalog writes
   * @throws CatalogException when the database cannot be reached or its schema is not one this
   *     build can use; the message names the URL with any password masked
   */
  public static Catalog open(String jdbcUrl, String user, String password, Clock clock) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(clock, "clock");
    Dialect dialect = Dialect.fromJdbcUrl(jdbcUrl);
    String where = maskUrl(jdbcUrl);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl.trim());
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setDriverClassName(dialect.driverClass());
    config.setPoolName("connectome-catalog-" + POOLS.incrementAndGet());
    config.setMaximumPoolSize(10);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(30_000);
    config.setInitializationFailTimeout(1);
    if (dialect == Dialect.H2) {
      // row locks are held for milliseconds; the default 1 s timeout is too short under contention
      config.setConnectionInitSql("SET LOCK_TIMEOUT 10000");
      // an embedded database closes with its last connection: do not recycle connections for no
      // reason
      config.setMaxLifetime(0);
    }
    HikariDataSource ds;
    long deadline = System.nanoTime() + H2_OPEN_WAIT.toNanos();
    while (true) {
      try {
        HikariConfig attempt = new HikariConfig();
        config.copyStateTo(attempt);
        attempt.setPoolName(config.getPoolName() + "-" + POOLS.incrementAndGet());
        ds = new HikariDataSource(attempt);
        break;
      } catch (RuntimeException e) {
        // processes opening one H2 file at the same moment (workers and a launch on a fresh
        // machine): H2 refuses
        // the later ones while the first settles its lock file and AUTO_SERVER port; a moment later
        // they connect
        String why = rootMessage(e);
        boolean settling =
            why.contains("Lock file recently modified")
                || why.contains("Locked by another process");
        if (dialect != Dialect.H2 || !settling || System.nanoTime() > deadline) {
          throw new CatalogException(
              "cannot open catalog database " + where + ": " + mask(rootMessage(e)), e);
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new CatalogException("interrupted opening catalog database " + where, ie);
        }
      }
    }
    try {
      int version = new MigrationRunner(ds, dialect, MIGRATIONS, where, clock).migrate();
      log.debug("opened catalog {} at schema version {}", where, version);
      return new Catalog(ds, dialect, clock, where, version);
    } catch (CatalogException e) {
      ds.close();
      throw e;
    } catch (RuntimeException e) {
      ds.close();
      throw new CatalogException(
          "cannot open catalog database " + where + ": " + mask(rootMessage(e)), e);
    }
  }

  /**
   * The H2 URL of a catalog file (without the {@code .mv.db} suffix) that other processes can open
   * at once.
   */
  public static String h2FileUrl(Path file) {
    String p = file.toAbsolutePath().normalize().toString().replace('\\', '/');
    if (p.endsWith(".mv.db")) {
      p = p.substring(0, p.length() - ".mv.db".length());
    }
    return "jdbc:h2:file:" + p + ";AUTO_SERVER=TRUE";
  }

  /** The pooled data source (HikariCP); other components may share it. */
  public DataSource dataSource() {
    return dataSource;
  }

  public Dialect dialect() {
    return dialect;
  }

  /** The highest migration version applied to the database. */
  public int schemaVersion() {
    return schemaVersion;
  }

  @Override
  public void close() {
    dataSource.close();
  }

  @Override
  public String toString() {
    return "Catalog[" + where + "]";
  }

  // ---- runs
  // ------------------------------------------------------------------------------------------------------

  /**
   * Inserts a run in state PENDING, or updates spec_json, spec_hash and workflow_id of an existing
   * one.
   */
  public RunRecord registerRun(NewRun run) {
    Objects.requireNonNull(run, "run");
    return write(
        "register run " + run.runId(),
        true,
        c -> {
          Instant now = now();
          int n =
              update(
                  c,
                  "UPDATE catalog_run SET spec_json = ?, spec_hash = ?, workflow_id = ?, updated_at = ?"
                      + " WHERE run_id = ?",
                  run.specJson(),
                  run.specHash(),
                  run.workflowId(),
                  now,
                  run.runId());
          if (n == 0) {
            update(
                c,
                "INSERT INTO catalog_run (run_id, sample, run_name, spec_json, spec_hash, workflow_id, state,"
                    + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
          return findRun(c, run.runId()).orElseThrow(() -> new NoSuchRunException(run.runId()));
        });
  }

  public Optional<RunRecord> findRun(String runId) {
    Objects.requireNonNull(runId, "runId");
    return read("find run " + runId, c -> findRun(c, runId));
  }

  /** Runs, most recently updated first. */
  public List<RunRecord> listRuns(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit < 0: " + limit);
    }
    if (limit == 0) {
      return List.of();
    }
    return read(
        "list runs",
        c ->
            query(
                c,
                "SELECT "
                    + RUN_COLUMNS
                    + " FROM catalog_run"
                    + " ORDER BY updated_at DESC, run_id LIMIT ?",
                Catalog::runRecord,
                limit));
  }

  /**
   * Sets a run's state and error (null clears it). started_at is set on the first RUNNING,
   * finished_at on the first of DONE, FAILED, CANCELLED, and cleared when the run is RUNNING again.
   *
   * @throws NoSuchRunException if the run is not registered
   */
  public void updateRunState(String runId, RunState state, String error) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(state, "state");
    write(
        "update state of run " + runId,
        false,
        c -> {
          Instant now = now();
          int n =
              update(
                  c,
                  "UPDATE catalog_run SET state = ?, error = ?, updated_at = ?"
                      + lifecycleColumns(state == RunState.RUNNING, state.isTerminal())
                      + " WHERE run_id = ?",
                  lifecycleArgs(
                      state == RunState.RUNNING,
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

  // ---- leases
  // ----------------------------------------------------------------------------------------------------

  /**
   * Takes the lease of a run for {@code owner} until now + ttl: succeeds when nobody holds it, when
   * it has expired, or when {@code owner} already holds it (then it is extended). Atomic against
   * concurrent callers: the lease row is changed by a conditional UPDATE, or created by an INSERT
   * that only one caller can win.
   */
  public boolean acquireLease(String runId, String owner, Duration ttl) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(owner, "owner");
    requirePositive(ttl);
    return write(
        "acquire lease of run " + runId,
        false,
        c -> {
          Instant now = now();
          Instant expires = now.plus(ttl);
          String take =
              "UPDATE catalog_lease SET lease_owner = ?, expires_at = ?,"
                  + " acquired_at = CASE WHEN lease_owner = ? THEN acquired_at ELSE ? END"
                  + " WHERE run_id = ? AND (lease_owner = ? OR expires_at <= ?)";
          if (update(c, take, owner, expires, owner, now, runId, owner, now) == 1) {
            return true;
          }
          // a savepoint, because a failed statement aborts the whole transaction on PostgreSQL
          Savepoint beforeInsert = c.setSavepoint();
          try {
            update(
                c,
                "INSERT INTO catalog_lease (run_id, lease_owner, expires_at, acquired_at) VALUES (?, ?, ?, ?)",
                runId,
                owner,
                expires,
                now);
            return true;
          } catch (SQLException e) {
            if (!isUniqueViolation(e)) {
              throw e;
            }
            c.rollback(beforeInsert);
            // someone else inserted it first; it may have been released or expired meanwhile
            return update(c, take, owner, expires, owner, now, runId, owner, now) == 1;
          }
        });
  }

  /**
   * Extends a lease held by {@code owner} to now + ttl (also when it has expired but nobody took it
   * over).
   *
   * @throws CatalogException if {@code owner} does not hold the lease (any more)
   */
  public void renewLease(String runId, String owner, Duration ttl) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(owner, "owner");
    requirePositive(ttl);
    write(
        "renew lease of run " + runId,
        false,
        c -> {
          Instant now = now();
          int n =
              update(
                  c,
                  "UPDATE catalog_lease SET expires_at = ? WHERE run_id = ? AND lease_owner = ?",
                  now.plus(ttl),
                  runId,
                  owner);
          if (n == 0) {
            Optional<Lease> current = lease(c, runId);
            throw new CatalogException(
                "cannot renew the lease of run "
                    + runId
                    + " for "
                    + owner
                    + ": "
                    + current
                        .map(l -> "held by " + l.owner() + " until " + l.expiresAt())
                        .orElse("nobody holds it"));
          }
          return null;
        });
  }

  /** Gives up a lease if {@code owner} holds it; otherwise does nothing. */
  public void releaseLease(String runId, String owner) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(owner, "owner");
    write(
        "release lease of run " + runId,
        false,
        c ->
            update(
                c, "DELETE FROM catalog_lease WHERE run_id = ? AND lease_owner = ?", runId, owner));
  }

  /** The lease of a run as stored, expired or not. */
  public Optional<Lease> lease(String runId) {
    Objects.requireNonNull(runId, "runId");
    return read("read lease of run " + runId, c -> lease(c, runId));
  }

  // ---- stages and steps
  // ------------------------------------------------------------------------------------------

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
    String what = "upsert stage " + stage + " of run " + runId;
    write(
        what,
        true,
        c -> {
          Instant now = now();
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
            try {
              update(
                  c,
                  "INSERT INTO catalog_stage (run_id, stage, stage_ordinal, state, resumes, started_at,"
                      + " finished_at, updated_at, error) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
                  runId,
                  stage,
                  ordinal,
                  state,
                  running ? now : NULL_TIMESTAMP,
                  terminal ? now : NULL_TIMESTAMP,
                  now,
                  clip(error));
            } catch (SQLException e) {
              if (isForeignKeyViolation(e)) {
                throw new NoSuchRunException(runId);
              }
              throw e;
            }
          }
          return null;
        });
  }

  /** Counts one more resume of a stage. */
  public void incrementStageResumes(String runId, String stage) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stage, "stage");
    write(
        "count a resume of stage " + stage + " of run " + runId,
        false,
        c -> {
          int n =
              update(
                  c,
                  "UPDATE catalog_stage SET resumes = resumes + 1, updated_at = ? WHERE run_id = ? AND stage = ?",
                  now(),
                  runId,
                  stage);
          if (n == 0) {
            throw missing(
                c, runId, "stage " + stage + " of run " + runId + " is not in the catalog");
          }
          return null;
        });
  }

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
    long unitsDone = done;
    long unitsFailed = failed;
    long unitsRunning = running;
    write(
        "register step " + r.stage() + "/" + r.step() + " of run " + r.runId(),
        true,
        c -> {
          Instant now = now();
          ensureStage(c, r.runId(), r.stage(), now);
          int n =
              update(
                  c,
                  "UPDATE catalog_step SET step_ordinal = ?, state = ?, params_hash = ?, units_total = ?,"
                      + " units_done = ?, units_failed = ?, units_running = ?, units_done_at_start = ?, tasks_total = ?,"
                      + " shards_total = ?, started_at = COALESCE(CASE WHEN finished_at IS NULL THEN started_at END, ?),"
                      + " finished_at = NULL, updated_at = ?,"
                      + " error = NULL WHERE run_id = ? AND stage = ? AND step = ?",
                  r.ordinal(),
                  StepState.RUNNING,
                  r.paramsHash(),
                  r.unitsTotal(),
                  unitsDone,
                  unitsFailed,
                  unitsRunning,
                  unitsDone,
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
                "INSERT INTO catalog_step (run_id, stage, step, step_ordinal, state, params_hash, units_total,"
                    + " units_done, units_failed, units_running, units_done_at_start, tasks_total, shards_total,"
                    + " started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                r.runId(),
                r.stage(),
                r.step(),
                r.ordinal(),
                StepState.RUNNING,
                r.paramsHash(),
                r.unitsTotal(),
                unitsDone,
                unitsFailed,
                unitsRunning,
                unitsDone,
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
          if (!r.shards().isEmpty()) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO catalog_shard (run_id, stage, step, shard,"
                        + " units_total, units_done, units_failed, units_running, state, updated_at)"
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
          return null;
        });
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
    write(
        "update state of step " + stage + "/" + step + " of run " + runId,
        false,
        c -> {
          Instant now = now();
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
    write(
        "record progress of shard "
            + p.shard()
            + " of step "
            + p.stage()
            + "/"
            + p.step()
            + " of run "
            + p.runId(),
        true,
        c -> {
          Instant now = now();
          // lock the step row first: reporters of one step serialize here, and each sees the
          // others' shard rows
          boolean exists =
              !query(
                      c,
                      "SELECT step FROM catalog_step WHERE run_id = ? AND stage = ? AND step = ?"
                          + " FOR UPDATE",
                      rs -> rs.getString(1),
                      p.runId(),
                      p.stage(),
                      p.step())
                  .isEmpty();
          if (!exists) {
            throw missing(
                c,
                p.runId(),
                "step "
                    + p.stage()
                    + "/"
                    + p.step()
                    + " of run "
                    + p.runId()
                    + " is not registered");
          }
          // the shard's previous values, under the step's lock: the step's sums change by the
          // difference, so a
          // report costs the same whatever the number of shards (summing every shard row made a
          // step quadratic)
          List<long[]> previous =
              query(
                  c,
                  "SELECT units_done, units_failed, units_running FROM catalog_shard"
                      + " WHERE run_id = ? AND stage = ? AND step = ? AND shard = ?",
                  rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)},
                  p.runId(),
                  p.stage(),
                  p.step(),
                  p.shard());
          long[] was = previous.isEmpty() ? new long[3] : previous.get(0);
          if (previous.isEmpty()) {
            update(
                c,
                "INSERT INTO catalog_shard (run_id, stage, step, shard, units_total, units_done,"
                    + " units_failed, units_running, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    + " units_running = ?, state = ?, updated_at = ? WHERE run_id = ? AND stage = ? AND step = ?"
                    + " AND shard = ?",
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
              "UPDATE catalog_step SET units_done = units_done + ?, units_failed = units_failed + ?,"
                  + " units_running = units_running + ?, updated_at = ? WHERE run_id = ? AND stage = ? AND step = ?",
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
    return read(
        "read the state of step " + stage + "/" + step + " of run " + runId,
        c ->
            query(
                    c,
                    "SELECT state FROM catalog_step WHERE run_id = ? AND stage = ? AND step = ?",
                    rs -> StepState.valueOf(rs.getString(1)),
                    runId,
                    stage,
                    step)
                .stream()
                .findFirst());
  }

  /**
   * A run with its stages (in ordinal order) and their steps (in ordinal order), read in one
   * transaction.
   *
   * @throws NoSuchRunException if the run is not registered
   */
  public RunStatus status(String runId) {
    Objects.requireNonNull(runId, "runId");
    return snapshot(
        "read status of run " + runId,
        c -> {
          RunRecord run = findRun(c, runId).orElseThrow(() -> new NoSuchRunException(runId));
          Map<String, List<RunStatus>> out = assemble(c, List.of(run), "run_id = ?", runId);
          return out.get(runId).get(0);
        });
  }

  /** Status of every run in state RUNNING, PAUSED or PENDING, most recently updated first. */
  public List<RunStatus> activeRuns() {
    return snapshot(
        "read active runs",
        c -> {
          String active = "run_id IN (SELECT run_id FROM catalog_run WHERE state IN (?, ?, ?))";
          List<RunRecord> runs =
              query(
                  c,
                  "SELECT "
                      + RUN_COLUMNS
                      + " FROM catalog_run WHERE state IN (?, ?, ?)"
                      + " ORDER BY updated_at DESC, run_id",
                  Catalog::runRecord,
                  ACTIVE.toArray());
          if (runs.isEmpty()) {
            return List.of();
          }
          Map<String, List<RunStatus>> byRun = assemble(c, runs, active, ACTIVE.toArray());
          List<RunStatus> out = new ArrayList<>();
          for (RunRecord r : runs) {
            out.add(byRun.get(r.runId()).get(0));
          }
          return out;
        });
  }

  // ---- events
  // ----------------------------------------------------------------------------------------------------

  /**
   * Records an event; its id is assigned by the database, a null {@code at} means now.
   *
   * @throws NoSuchRunException if the run is not registered
   */
  public void recordEvent(RunEvent e) {
    Objects.requireNonNull(e, "event");
    write(
        "record event " + e.kind() + " of run " + e.runId(),
        false,
        c -> {
          try {
            return update(
                c,
                "INSERT INTO catalog_event (run_id, stage, step, kind, message, occurred_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?)",
                e.runId(),
                e.stage(),
                e.step(),
                e.kind(),
                clip(e.message()),
                e.at() == null ? now() : e.at().truncatedTo(ChronoUnit.MICROS));
          } catch (SQLException ex) {
            if (isForeignKeyViolation(ex)) {
              throw new NoSuchRunException(e.runId());
            }
            throw ex;
          }
        });
  }

  /** The newest {@code limit} events of a run, newest first. */
  public List<RunEvent> events(String runId, int limit) {
    Objects.requireNonNull(runId, "runId");
    if (limit < 0) {
      throw new IllegalArgumentException("limit < 0: " + limit);
    }
    if (limit == 0) {
      return List.of();
    }
    return read(
        "read events of run " + runId,
        c ->
            query(
                c,
                "SELECT id, run_id, stage, step, kind, message,"
                    + " occurred_at FROM catalog_event WHERE run_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?",
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
  public Map<EventKind, Long> eventCounts(String runId) {
    Objects.requireNonNull(runId, "runId");
    return read(
        "count events of run " + runId,
        c -> {
          Map<EventKind, Long> out = new EnumMap<>(EventKind.class);
          for (Object[] row :
              query(
                  c,
                  "SELECT kind, COUNT(*) FROM catalog_event WHERE run_id = ? GROUP BY kind",
                  rs -> new Object[] {rs.getString(1), rs.getLong(2)},
                  runId)) {
            out.put(EventKind.valueOf((String) row[0]), (Long) row[1]);
          }
          return out;
        });
  }

  // ---- control requests
  // ------------------------------------------------------------------------------------------

  /**
   * Asks the process driving a run to pause, resume, cancel or retry failed units.
   *
   * @throws NoSuchRunException if the run is not registered
   */
  public void requestControl(String runId, ControlAction action, String reason) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(action, "action");
    write(
        "request " + action + " of run " + runId,
        false,
        c -> {
          try {
            return update(
                c,
                "INSERT INTO catalog_control (run_id, control_action, reason, requested_at)"
                    + " VALUES (?, ?, ?, ?)",
                runId,
                action,
                clip(reason),
                now());
          } catch (SQLException e) {
            if (isForeignKeyViolation(e)) {
              throw new NoSuchRunException(runId);
            }
            throw e;
          }
        });
  }

  /**
   * Returns the pending control requests of a run, oldest first, and marks them taken. Atomic: the
   * requests are claimed by one conditional UPDATE with a unique token, so two takers never get the
   * same request.
   */
  public List<ControlRequest> takeControlRequests(String runId) {
    Objects.requireNonNull(runId, "runId");
    return write(
        "take control requests of run " + runId,
        false,
        c -> {
          String token = UUID.randomUUID().toString();
          int n =
              update(
                  c,
                  "UPDATE catalog_control SET taken_at = ?, taken_by = ? WHERE run_id = ?"
                      + " AND taken_at IS NULL",
                  now(),
                  token,
                  runId);
          if (n == 0) {
            return List.of();
          }
          return query(
              c,
              "SELECT id, run_id, control_action, reason, requested_at FROM catalog_control"
                  + " WHERE taken_by = ? ORDER BY requested_at, id",
              rs ->
                  new ControlRequest(
                      rs.getLong("id"),
                      rs.getString("run_id"),
                      ControlAction.valueOf(rs.getString("control_action")),
                      rs.getString("reason"),
                      instant(rs, "requested_at")),
              token);
        });
  }

  // ---- row helpers
  // -----------------------------------------------------------------------------------------------

  private static Optional<RunRecord> findRun(Connection c, String runId) throws SQLException {
    List<RunRecord> rows =
        query(
            c,
            "SELECT " + RUN_COLUMNS + " FROM catalog_run WHERE run_id = ?",
            Catalog::runRecord,
            runId);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  private static Optional<Lease> lease(Connection c, String runId) throws SQLException {
    List<Lease> rows =
        query(
            c,
            "SELECT lease_owner, expires_at FROM catalog_lease WHERE run_id = ?",
            rs -> new Lease(rs.getString(1), instant(rs, "expires_at")),
            runId);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  private static RunRecord runRecord(ResultSet rs) throws SQLException {
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

  /**
   * Stages and steps of the given runs (selected by {@code runFilter}), keyed by run id (a
   * one-element list).
   */
  private static Map<String, List<RunStatus>> assemble(
      Connection c, List<RunRecord> runs, String runFilter, Object... args) throws SQLException {
    Map<String, Map<String, List<StepStatus>>> steps = new LinkedHashMap<>();
    for (Object[] row :
        query(
            c,
            "SELECT "
                + STEP_COLUMNS
                + " FROM catalog_step WHERE "
                + runFilter
                + " ORDER BY run_id, stage, step_ordinal, step",
            rs ->
                new Object[] {
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
                      rs.getString("error"))
                },
            args)) {
      steps
          .computeIfAbsent((String) row[0], k -> new LinkedHashMap<>())
          .computeIfAbsent((String) row[1], k -> new ArrayList<>())
          .add((StepStatus) row[2]);
    }
    Map<String, List<StageStatus>> stages = new LinkedHashMap<>();
    for (Object[] row :
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
              List<StepStatus> stageSteps =
                  steps.getOrDefault(runId, Map.of()).getOrDefault(stage, List.of());
              return new Object[] {
                runId,
                new StageStatus(
                    stage,
                    rs.getInt("stage_ordinal"),
                    StageState.valueOf(rs.getString("state")),
                    rs.getInt("resumes"),
                    instant(rs, "started_at"),
                    instant(rs, "finished_at"),
                    rs.getString("error"),
                    stageSteps)
              };
            },
            args)) {
      stages.computeIfAbsent((String) row[0], k -> new ArrayList<>()).add((StageStatus) row[1]);
    }
    Map<String, List<RunStatus>> out = new LinkedHashMap<>();
    for (RunRecord r : runs) {
      out.put(r.runId(), List.of(new RunStatus(r, stages.getOrDefault(r.runId(), List.of()))));
    }
    return out;
  }

  private void ensureStage(Connection c, String runId, String stage, Instant now)
      throws SQLException {
    if (!query(
            c,
            "SELECT stage FROM catalog_stage WHERE run_id = ? AND stage = ?",
            rs -> rs.getString(1),
            runId,
            stage)
        .isEmpty()) {
      return;
    }
    int next =
        query(
                c,
                "SELECT COALESCE(MAX(stage_ordinal) + 1, 0) FROM catalog_stage WHERE run_id = ?",
                rs -> rs.getInt(1),
                runId)
            .get(0);
    try {
      update(
          c,
          "INSERT INTO catalog_stage (run_id, stage, stage_ordinal, state, resumes, started_at, updated_at)"
              + " VALUES (?, ?, ?, ?, 0, ?, ?)",
          runId,
          stage,
          next,
          StageState.RUNNING,
          now,
          now);
    } catch (SQLException e) {
      if (isForeignKeyViolation(e)) {
        throw new NoSuchRunException(runId);
      }
      throw e;
    }
  }

  /**
   * The exception for a missing stage or step: NoSuchRunException when the run itself is missing.
   */
  private static CatalogException missing(Connection c, String runId, String message)
      throws SQLException {
    if (findRun(c, runId).isEmpty()) {
      return new NoSuchRunException(runId);
    }
    return new CatalogException(message);
  }

  /** Extra SET clauses for started_at/finished_at; their arguments go first (see lifecycleArgs). */
  private static String lifecycleColumns(boolean running, boolean terminal) {
    if (running) {
      return ", started_at = COALESCE(started_at, ?), finished_at = NULL";
    }
    if (terminal) {
      return ", finished_at = COALESCE(finished_at, ?)";
    }
    return "";
  }

  /**
   * Arguments for a statement with a lifecycle clause: SET arguments, {@code now} if the clause has
   * one, WHERE.
   */
  private static Object[] lifecycleArgs(
      boolean running, boolean terminal, Instant now, Object[] set, Object... where) {
    List<Object> out = new ArrayList<>(Arrays.asList(set));
    if (running || terminal) {
      out.add(now);
    }
    out.addAll(Arrays.asList(where));
    return out.toArray();
  }

  // ---- JDBC plumbing
  // ---------------------------------------------------------------------------------------------

  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private <T> T read(String what, SqlWork<T> work) {
    return execute(what, false, false, work);
  }

  /**
   * A read of several statements that must see one snapshot (status of a run: run, stages, steps).
   */
  private <T> T snapshot(String what, SqlWork<T> work) {
    return execute(what, false, true, work);
  }

  private <T> T write(String what, boolean retryOnUniqueViolation, SqlWork<T> work) {
    return execute(what, retryOnUniqueViolation, false, work);
  }

  /**
   * Runs {@code work} in one transaction (read committed, or repeatable read for snapshots),
   * retrying on deadlocks, serialization failures, lock timeouts and, for upserts, on unique
   * violations (a concurrent INSERT won).
   */
  private <T> T execute(
      String what, boolean retryOnUniqueViolation, boolean repeatableRead, SqlWork<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        // HikariCP restores auto-commit and the isolation level when the connection goes back to
        // the pool
        c.setAutoCommit(false);
        if (repeatableRead) {
          c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        }
        try {
          T result = work.run(c);
          c.commit();
          return result;
        } catch (SQLException | RuntimeException | Error e) {
          try {
            c.rollback();
          } catch (SQLException suppressed) {
            e.addSuppressed(suppressed);
          }
          throw e;
        }
      } catch (SQLException e) {
        if (attempt < MAX_ATTEMPTS && isTransient(e, retryOnUniqueViolation)) {
          sleepBeforeRetry(attempt);
          continue;
        }
        throw new CatalogException(
            "catalog "
                + where
                + ": "
                + what
                + " failed: "
                + mask(e.getMessage())
                + " [SQLState "
                + e.getSQLState()
                + "]",
            e);
      }
    }
  }

  private static boolean isTransient(SQLException e, boolean retryOnUniqueViolation) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        String state = s.getSQLState();
        if (state == null) {
          continue;
        }
        if (retryOnUniqueViolation && state.equals("23505")) {
          return true;
        }
        // serialization failure / deadlock (both), PostgreSQL deadlock and lock_not_available, H2
        // lock timeout
        // and concurrent update
        if (state.equals("40001")
            || state.equals("40P01")
            || state.equals("55P03")
            || state.equals("HYT00")
            || state.equals("90131")) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isUniqueViolation(SQLException e) {
    return "23505".equals(e.getSQLState());
  }

  /** PostgreSQL reports 23503 for any foreign key violation, H2 23506 for a missing parent row. */
  private static boolean isForeignKeyViolation(SQLException e) {
    return "23503".equals(e.getSQLState()) || "23506".equals(e.getSQLState());
  }

  private static void sleepBeforeRetry(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 5L * attempt + 2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CatalogException("interrupted while retrying a catalog transaction", e);
    }
  }

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  private static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... args)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(mapper.map(rs));
        }
        return out.isEmpty() ? Collections.emptyList() : out;
      }
    }
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      int idx = i + 1;
      if (a == null) {
        ps.setNull(idx, Types.VARCHAR);
      } else if (a == NULL_TIMESTAMP) {
        ps.setNull(idx, Types.TIMESTAMP_WITH_TIMEZONE);
      } else if (a instanceof String s) {
        ps.setString(idx, s);
      } else if (a instanceof Long l) {
        ps.setLong(idx, l);
      } else if (a instanceof Integer n) {
        ps.setInt(idx, n);
      } else if (a instanceof Instant t) {
        ps.setObject(idx, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
      } else if (a instanceof Enum<?> e) {
        ps.setString(idx, e.name());
      } else if (a instanceof Boolean b) {
        ps.setBoolean(idx, b);
      } else {
        throw new IllegalArgumentException("unsupported SQL argument " + a.getClass());
      }
    }
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  private static void requirePositive(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("lease ttl must be positive: " + ttl);
    }
  }

  /** Cuts text longer than {@link #MAX_TEXT_CHARS}, marking the cut. */
  static String clip(String s) {
    if (s == null || s.length() <= MAX_TEXT_CHARS) {
      return s;
    }
    String marker = "...[truncated " + (s.length() - MAX_TEXT_CHARS) + "+ chars]";
    int end = MAX_TEXT_CHARS - marker.length();
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + marker;
  }

  /** The URL with the value of any {@code password=} setting replaced by {@code ****}. */
  static String maskUrl(String jdbcUrl) {
    return jdbcUrl == null ? "null" : mask(jdbcUrl);
  }

  private static String mask(String text) {
    return text == null ? null : PASSWORD.matcher(text).replaceAll("$1****");
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.toString() : m;
  }
}
