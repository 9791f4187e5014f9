package org.connectome.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every catalog operation, run against each dialect by a concrete subclass. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class CatalogContractTest {
  static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  static final String RUN = "h01/run-1";

  protected MutableClock clock;
  protected String url;
  protected Catalog catalog;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private ExecutorService pool;

  /** A JDBC URL of a new, empty database (or schema). */
  protected abstract String newDatabaseUrl() throws Exception;

  protected abstract Dialect expectedDialect();

  /** A URL that cannot be opened and carries the password {@code s3cret}. */
  protected abstract String unreachableUrlWithPassword();

  @BeforeEach
  void setUp() throws Exception {
    clock = new MutableClock(T0);
    url = newDatabaseUrl();
    catalog = open(url);
    pool = Executors.newFixedThreadPool(8);
  }

  @AfterEach
  void tearDown() throws Exception {
    pool.shutdownNow();
    Collections.reverse(toClose);
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  Catalog open(String jdbcUrl) {
    Catalog c = Catalog.open(jdbcUrl, null, null, clock);
    toClose.add(c);
    return c;
  }

  RunRecord register(String runId) {
    return catalog
        .runs()
        .register(new NewRun(runId, null, null, "{\"sample\":\"h01\"}", "spec-1", "wf-" + runId));
  }

  Instant tick() {
    clock.advance(Duration.ofSeconds(1));
    return clock.instant();
  }

  static ShardProgress shard(
      String runId,
      String stage,
      String step,
      long shard,
      long total,
      long done,
      long failed,
      long running,
      ShardState state) {
    return new ShardProgress(runId, stage, step, shard, total, done, failed, running, state);
  }

  StepStatus step(String runId, String stage, String step) {
    return catalog.progress().status(runId).stage(stage).orElseThrow().steps().stream()
        .filter(s -> s.step().equals(step))
        .findFirst()
        .orElseThrow();
  }

  <T> List<T> runConcurrently(List<Callable<T>> tasks) throws Exception {
    List<Future<T>> futures = new ArrayList<>();
    for (Callable<T> t : tasks) {
      futures.add(pool.submit(t));
    }
    List<T> out = new ArrayList<>();
    for (Future<T> f : futures) {
      out.add(f.get(30, TimeUnit.SECONDS));
    }
    return out;
  }

  long count(String sql, Object... args) throws SQLException {
    try (Connection c = catalog.database().dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  void execute(Catalog on, String sql) throws SQLException {
    try (Connection c = on.database().dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * The migrations in a store's Flyway history, oldest first (without the row that notes the
   * table's creation): version|description|type|checksum|installed_on|success.
   */
  static List<String> versionRows(Catalog on, String historyTable) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = on.database().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT \"version\", \"description\", \"type\", \"checksum\", \"installed_on\","
                    + " \"success\" FROM \""
                    + historyTable
                    + "\" WHERE \"type\" <> 'TABLE' ORDER BY \"installed_rank\"")) {
      while (rs.next()) {
        rows.add(
            rs.getString(1)
                + "|"
                + rs.getString(2)
                + "|"
                + rs.getString(3)
                + "|"
                + rs.getString(4)
                + "|"
                + rs.getTimestamp(5).toInstant()
                + "|"
                + rs.getBoolean(6));
      }
    }
    return rows;
  }

  static List<String> versionRows(Catalog on) throws SQLException {
    return versionRows(on, Catalog.SCHEMA.historyTable());
  }

  boolean tableExists(Catalog on, String table) throws SQLException {
    try (Connection c = on.database().dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.executeQuery("SELECT COUNT(*) FROM " + table).close();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /** Catalog migrations this build ships: V1 catalog, V2 no leases or controls, V3 the outbox. */
  static final int LATEST = 3;

  // ---- opening and migrations
  // ------------------------------------------------------------------------------------

  @Test
  void opensWithDialectSchemaVersionAndPooledDataSource() throws Exception {
    assertEquals(expectedDialect(), catalog.dialect());
    assertEquals(LATEST, catalog.schemaVersion());
    assertInstanceOf(HikariDataSource.class, catalog.database().dataSource());
    try (Connection c = catalog.database().dataSource().getConnection()) {
      assertTrue(c.isValid(5));
    }
    assertFalse(tableExists(catalog, "catalog_lease"), "leases went in V2");
    assertFalse(tableExists(catalog, "catalog_control"), "control requests went in V2");
    assertTrue(tableExists(catalog, "catalog_notification"));
  }

  @Test
  void migrationsApplyOnceAndReopeningIsIdempotent() throws Exception {
    List<String> before = versionRows(catalog);
    assertEquals(LATEST, before.size(), before.toString());
    assertTrue(before.get(0).startsWith("1|catalog|SQL|"), before.get(0));
    assertTrue(before.get(2).startsWith("3|notification outbox|SQL|"), before.get(2));
    register(RUN);
    catalog.close();

    clock.advance(Duration.ofHours(1));
    Catalog again = open(url);
    assertEquals(LATEST, again.schemaVersion());
    assertEquals(before, versionRows(again));
    assertTrue(again.runs().find(RUN).isPresent());
    again.close();
    Catalog third = open(url);
    assertEquals(before, versionRows(third));
  }

  @Test
  void concurrentFirstOpensMigrateOnce() throws Exception {
    String fresh = newDatabaseUrl();
    CyclicBarrier start = new CyclicBarrier(4);
    List<Callable<Integer>> openers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      openers.add(
          () -> {
            start.await();
            return open(fresh).schemaVersion();
          });
    }
    assertEquals(List.of(LATEST, LATEST, LATEST, LATEST), runConcurrently(openers));
    assertEquals(LATEST, versionRows(open(fresh)).size());
  }

  @Test
  void changedChecksumIsRefused() throws Exception {
    execute(
        catalog,
        "UPDATE \"catalog_flyway_history\" SET \"checksum\" = 12345 WHERE \"version\" = '1'");
    catalog.close();
    CatalogException e = assertThrows(CatalogException.class, () -> open(url));
    assertTrue(e.getMessage().contains("V1 (catalog)"), e.getMessage());
    assertTrue(e.getMessage().contains("Applied to database : 12345"), e.getMessage());
    assertTrue(e.getMessage().contains("must never change"), e.getMessage());
    assertTrue(e.getMessage().contains(Database.maskUrl(url)), e.getMessage());
  }

  @Test
  void newerDatabaseIsRefused() throws Exception {
    execute(
        catalog,
        "INSERT INTO \"catalog_flyway_history\" (\"installed_rank\", \"version\","
            + " \"description\", \"type\", \"script\", \"checksum\", \"installed_by\","
            + " \"installed_on\", \"execution_time\", \"success\")"
            + " VALUES (99, '99', 'future', 'SQL', 'V99__future.sql', 1, 'cx', CURRENT_TIMESTAMP,"
            + " 0, TRUE)");
    catalog.close();
    CatalogException e = assertThrows(CatalogException.class, () -> open(url));
    assertTrue(
        e.getMessage()
            .contains("catalog schema version 99, newer than this build knows (" + LATEST + ")"),
        e.getMessage());
  }

  @Test
  void openFailureNamesTheUrlWithPasswordMasked() {
    String bad = unreachableUrlWithPassword();
    CatalogException e = assertThrows(CatalogException.class, () -> Catalog.open(bad));
    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    assertTrue(e.getMessage().contains(Database.maskUrl(bad)), e.getMessage());
    assertTrue(
        e.getMessage().contains("password=****") || e.getMessage().contains("PASSWORD=****"),
        e.getMessage());
    assertThrows(CatalogException.class, () -> Catalog.open("jdbc:sqlite:/tmp/x.db"));
  }

  @Test
  void aStoreOfItsOwnMigratesBesideTheCatalogWithItsDialectsFiles() throws Exception {
    // the catalog's tables are there already: the store's history starts beside them
    Schema test =
        new Schema(
            "test",
            "org/connectome/catalog/testmigrations",
            "test_flyway_history",
            Map.of(),
            getClass().getClassLoader());
    assertEquals(3, catalog.database().migrate(test));
    assertEquals(3, catalog.database().migrate(test));
    try (Connection c = catalog.database().dataSource().getConnection();
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT dialect_name FROM t_variant")) {
        assertTrue(rs.next());
        assertEquals(expectedDialect().resourceDir(), rs.getString(1));
        assertFalse(rs.next());
      }
      try (ResultSet rs = s.executeQuery("SELECT note, extra FROM t_first")) {
        assertTrue(rs.next());
        assertEquals("semi;colon and 'quote'", rs.getString(1));
      }
    }
    List<String> rows = versionRows(catalog, "test_flyway_history");
    assertEquals(4, rows.size(), rows.toString());
    assertTrue(
        rows.get(0).startsWith("0|the database held tables of other stores|BASELINE|"),
        "a baseline marker, the database not being empty: " + rows.get(0));
    assertTrue(rows.get(2).startsWith("2|variant|SQL|"), rows.get(2));
    assertEquals(LATEST, versionRows(catalog).size(), "the catalog's history is its own");
  }

  @Test
  void aCatalogTheRunnerBeforeFlywayWroteIsAdoptedWithItsData() throws Exception {
    String old = newDatabaseUrl();
    LegacyCatalog.create(old, 3);
    try (Connection c = java.sql.DriverManager.getConnection(old);
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO catalog_run (run_id, sample, run_name, state, created_at, updated_at)"
              + " VALUES ('h01/old', 'h01', 'old', 'DONE', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
      s.execute(
          "INSERT INTO catalog_event (run_id, kind, message, occurred_at)"
              + " VALUES ('h01/old', 'RUN_FINISHED', 'all 7 stages done', CURRENT_TIMESTAMP)");
      s.execute(
          "INSERT INTO catalog_lease (run_id, lease_owner, expires_at, acquired_at)"
              + " VALUES ('h01/old', '1@a', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
    }
    Catalog adopted = open(old);
    assertEquals(LATEST, adopted.schemaVersion());
    assertEquals(RunState.DONE, adopted.runs().find("h01/old").orElseThrow().state());
    assertEquals(
        List.of(EventKind.RUN_FINISHED),
        adopted.events().latest("h01/old", 10).stream().map(RunEvent::kind).toList());
    List<String> rows = versionRows(adopted);
    assertEquals(3, rows.size(), rows.toString());
    assertTrue(
        rows.get(0).startsWith("1|adopted from catalog_schema_version|BASELINE|"), rows.get(0));
    assertTrue(rows.get(1).startsWith("2|drop leases and control requests|SQL|"), rows.get(1));
    assertFalse(tableExists(adopted, "catalog_lease"));
    // the old table keeps the versions of other stores (ingest's 2 and 3) until they adopt them
    assertEquals(2, countIn(adopted, "SELECT COUNT(*) FROM catalog_schema_version"));
    adopted.close();
    Catalog again = open(old);
    assertEquals(rows, versionRows(again));
    again.runs().register(new NewRun("h01/new", null, null, "{}", "h", "wf"));
    assertEquals(2, again.runs().list(10).size());
  }

  @Test
  void aRunnerTableNewerThanThisBuildIsRefused() throws Exception {
    String old = newDatabaseUrl();
    LegacyCatalog.create(old, 1);
    try (Connection c = java.sql.DriverManager.getConnection(old);
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO catalog_schema_version (version, description, checksum, applied_at)"
              + " VALUES (4, 'later', 'abc', CURRENT_TIMESTAMP)");
    }
    CatalogException e = assertThrows(CatalogException.class, () -> open(old));
    assertTrue(
        e.getMessage().contains("schema version 4 (later) in catalog_schema_version, newer"),
        e.getMessage());
  }

  static long countIn(Catalog on, String sql) throws SQLException {
    try (Connection c = on.database().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  // ---- runs
  // ------------------------------------------------------------------------------------------------------

  @Test
  void registerRunInsertsThenUpdatesTheSpecKeepingTheState() {
    RunRecord r = register(RUN);
    assertEquals(
        new RunRecord(
            RUN,
            "h01",
            "run-1",
            "{\"sample\":\"h01\"}",
            "spec-1",
            "wf-" + RUN,
            RunState.PENDING,
            null,
            T0,
            T0,
            null,
            null),
        r);
    assertEquals(r, catalog.runs().find(RUN).orElseThrow());
    assertTrue(catalog.runs().find("h01/nope").isEmpty());

    catalog.runs().updateState(RUN, RunState.RUNNING, null);
    Instant t = tick();
    RunRecord again =
        catalog.runs().register(new NewRun(RUN, "h01", "run-1", "{\"v\":2}", "spec-2", "wf-2"));
    assertEquals(RunState.RUNNING, again.state());
    assertEquals("{\"v\":2}", again.specJson());
    assertEquals("spec-2", again.specHash());
    assertEquals("wf-2", again.workflowId());
    assertEquals(T0, again.createdAt());
    assertEquals(t, again.updatedAt());
    assertEquals(T0, again.startedAt());
  }

  @Test
  void listRunsNewestUpdatedFirst() {
    register("s/a");
    tick();
    register("s/b");
    tick();
    register("s/c");
    tick();
    catalog.runs().updateState("s/a", RunState.RUNNING, null);
    assertEquals(
        List.of("s/a", "s/c", "s/b"),
        catalog.runs().list(10).stream().map(RunRecord::runId).toList());
    assertEquals(
        List.of("s/a", "s/c"), catalog.runs().list(2).stream().map(RunRecord::runId).toList());
    assertEquals(List.of(), catalog.runs().list(0));
  }

  @Test
  void runStateTimestamps() {
    register(RUN);
    Instant t1 = tick();
    catalog.runs().updateState(RUN, RunState.RUNNING, null);
    RunRecord r = catalog.runs().find(RUN).orElseThrow();
    assertEquals(t1, r.startedAt());
    assertNull(r.finishedAt());
    assertEquals(t1, r.updatedAt());

    tick();
    catalog.runs().updateState(RUN, RunState.PAUSED, null);
    tick();
    catalog.runs().updateState(RUN, RunState.RUNNING, null);
    assertEquals(t1, catalog.runs().find(RUN).orElseThrow().startedAt());

    Instant t4 = tick();
    catalog.runs().updateState(RUN, RunState.FAILED, "boom");
    r = catalog.runs().find(RUN).orElseThrow();
    assertEquals(RunState.FAILED, r.state());
    assertEquals("boom", r.error());
    assertEquals(t4, r.finishedAt());
    tick();
    catalog.runs().updateState(RUN, RunState.FAILED, "boom");
    assertEquals(t4, catalog.runs().find(RUN).orElseThrow().finishedAt());

    tick();
    catalog.runs().updateState(RUN, RunState.RUNNING, null);
    r = catalog.runs().find(RUN).orElseThrow();
    assertNull(r.finishedAt());
    assertNull(r.error());
    assertEquals(t1, r.startedAt());

    Instant t6 = tick();
    catalog.runs().updateState(RUN, RunState.DONE, null);
    assertEquals(t6, catalog.runs().find(RUN).orElseThrow().finishedAt());
    assertTrue(RunState.DONE.isTerminal());
    assertFalse(RunState.PAUSED.isTerminal());

    assertThrows(
        NoSuchRunException.class,
        () -> catalog.runs().updateState("h01/nope", RunState.RUNNING, null));
  }

  @Test
  void longStringsRoundTrip() {
    String spec = "{\"x\":\"" + "s".repeat(200_000) + "\"}";
    catalog.runs().register(new NewRun(RUN, null, null, spec, "h", "wf"));
    String error = "e".repeat(Catalog.MAX_TEXT_CHARS);
    catalog.runs().updateState(RUN, RunState.FAILED, error);
    RunRecord r = catalog.runs().find(RUN).orElseThrow();
    assertEquals(spec, r.specJson());
    assertEquals(error, r.error());
    catalog.progress().upsertStage(RUN, "align", 2, StageState.FAILED, error + "more");
    String clipped = catalog.progress().status(RUN).stages().get(0).error();
    assertEquals(Catalog.MAX_TEXT_CHARS, clipped.length());
    assertTrue(
        clipped.endsWith("...[truncated 4+ chars]"), clipped.substring(clipped.length() - 40));
  }

  // ---- stages and steps
  // ------------------------------------------------------------------------------------------

  @Test
  void upsertStageTimestampsResumesAndOrder() {
    register(RUN);
    catalog.progress().upsertStage(RUN, "stitch", 1, StageState.PENDING, null);
    StageStatus s = catalog.progress().status(RUN).stage("stitch").orElseThrow();
    assertEquals(
        new StageStatus("stitch", 1, StageState.PENDING, 0, null, null, null, List.of()), s);

    Instant t1 = tick();
    catalog.progress().upsertStage(RUN, "stitch", 1, StageState.RUNNING, null);
    tick();
    catalog.progress().upsertStage(RUN, "stitch", 1, StageState.WAITING_TO_RESUME, "pods evicted");
    catalog.progress().incrementStageResumes(RUN, "stitch");
    catalog.progress().incrementStageResumes(RUN, "stitch");
    tick();
    catalog.progress().upsertStage(RUN, "stitch", 1, StageState.RUNNING, null);
    Instant t4 = tick();
    catalog
        .progress()
        .upsertStage(RUN, "stitch", 1, StageState.DONE_WITH_FAILURES, "2 tiles failed");
    catalog.progress().upsertStage(RUN, "ingest", 0, StageState.DONE, null);

    RunStatus status = catalog.progress().status(RUN);
    assertEquals(
        List.of("ingest", "stitch"), status.stages().stream().map(StageStatus::stage).toList());
    s = status.stage("stitch").orElseThrow();
    assertEquals(StageState.DONE_WITH_FAILURES, s.state());
    assertEquals(2, s.resumes());
    assertEquals(t1, s.startedAt());
    assertEquals(t4, s.finishedAt());
    assertEquals("2 tiles failed", s.error());
    StageStatus ingest = status.stage("ingest").orElseThrow();
    assertNull(ingest.startedAt());
    assertEquals(t4, ingest.finishedAt());

    assertThrows(
        NoSuchRunException.class,
        () -> catalog.progress().upsertStage("h01/nope", "stitch", 1, StageState.RUNNING, null));
    assertThrows(
        NoSuchRunException.class,
        () -> catalog.progress().incrementStageResumes("h01/nope", "stitch"));
    CatalogException e =
        assertThrows(
            CatalogException.class, () -> catalog.progress().incrementStageResumes(RUN, "mesh"));
    assertFalse(e instanceof NoSuchRunException);
  }

  @Test
  void registerStepReplacesShardRowsAndSetsUnitsDoneAtStart() throws Exception {
    register(RUN);
    catalog.progress().upsertStage(RUN, "align", 2, StageState.RUNNING, null);
    List<ShardProgress> first = new ArrayList<>();
    for (long i = 0; i < 4; i++) {
      first.add(shard(RUN, "align", "match", i, 10, 0, 0, 0, ShardState.PENDING));
    }
    Instant t1 = tick();
    catalog
        .progress()
        .registerStep(new StepRegistration(RUN, "align", "match", 0, "p1", 40, 2, 4, first));
    StepStatus st = step(RUN, "align", "match");
    assertEquals(
        new StepStatus(
            "match", 0, StepState.RUNNING, 40, 0, 0, 0, 0, 2, 4, "p1", t1, null, t1, null),
        st);
    assertEquals(40, st.unitsPending());

    catalog
        .progress()
        .recordShardProgress(shard(RUN, "align", "match", 0, 10, 10, 0, 0, ShardState.DONE));
    catalog
        .progress()
        .recordShardProgress(shard(RUN, "align", "match", 1, 10, 5, 1, 2, ShardState.RUNNING));
    st = step(RUN, "align", "match");
    assertEquals(15, st.unitsDone());
    assertEquals(1, st.unitsFailed());
    assertEquals(2, st.unitsRunning());
    assertEquals(22, st.unitsPending());

    // resume: the planner found 10 + 5 units with valid markers and re-cut the rest into new shards
    tick();
    catalog.progress().updateStepState(RUN, "align", "match", StepState.FAILED, "worker lost");
    Instant t2 = tick();
    catalog
        .progress()
        .registerStep(
            new StepRegistration(
                RUN,
                "align",
                "match",
                0,
                "p2",
                40,
                3,
                3,
                List.of(
                    shard(RUN, "align", "match", 0, 10, 10, 0, 0, ShardState.DONE),
                    shard(RUN, "align", "match", 1, 10, 5, 0, 0, ShardState.PENDING),
                    shard(RUN, "align", "match", 7, 20, 0, 0, 0, ShardState.PENDING))));
    st = step(RUN, "align", "match");
    // the failed execution ended; the resumed one starts its time anew
    assertEquals(
        new StepStatus(
            "match", 0, StepState.RUNNING, 40, 15, 0, 0, 15, 3, 3, "p2", t2, null, t2, null),
        st);
    assertEquals(3, count("SELECT COUNT(*) FROM catalog_shard WHERE run_id = ?", RUN));
    assertEquals(
        0, count("SELECT COUNT(*) FROM catalog_shard WHERE run_id = ? AND shard IN (2, 3)", RUN));
    assertEquals(
        20, count("SELECT units_total FROM catalog_shard WHERE run_id = ? AND shard = 7", RUN));

    // a step of a stage without a row creates the stage; an unknown run is refused
    catalog
        .progress()
        .registerStep(
            new StepRegistration(RUN, "segment", "agglomerate", 1, "p", 5, 1, 0, List.of()));
    StageStatus seg = catalog.progress().status(RUN).stage("segment").orElseThrow();
    assertEquals(StageState.RUNNING, seg.state());
    assertEquals(3, seg.ordinal());
    assertThrows(
        NoSuchRunException.class,
        () ->
            catalog
                .progress()
                .registerStep(
                    new StepRegistration(
                        "h01/nope",
                        "align",
                        "match",
                        0,
                        "p",
                        1,
                        1,
                        1,
                        List.of(
                            shard(
                                "h01/nope",
                                "align",
                                "match",
                                0,
                                1,
                                0,
                                0,
                                0,
                                ShardState.PENDING)))));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new StepRegistration(
                RUN,
                "align",
                "match",
                0,
                "p",
                1,
                1,
                1,
                List.of(shard(RUN, "align", "other", 0, 1, 0, 0, 0, ShardState.PENDING))));
  }

  @Test
  void repeatedShardProgressDoesNotDoubleCount() {
    register(RUN);
    catalog
        .progress()
        .registerStep(
            new StepRegistration(
                RUN,
                "stitch",
                "render",
                0,
                "p",
                100,
                1,
                2,
                List.of(
                    shard(RUN, "stitch", "render", 0, 50, 0, 0, 0, ShardState.PENDING),
                    shard(RUN, "stitch", "render", 1, 50, 0, 0, 0, ShardState.PENDING))));
    ShardProgress p = shard(RUN, "stitch", "render", 0, 50, 30, 2, 5, ShardState.RUNNING);
    catalog.progress().recordShardProgress(p);
    catalog.progress().recordShardProgress(p);
    StepStatus st = step(RUN, "stitch", "render");
    assertEquals(30, st.unitsDone());
    assertEquals(2, st.unitsFailed());
    assertEquals(5, st.unitsRunning());
    assertEquals(63, st.unitsPending());

    catalog
        .progress()
        .recordShardProgress(shard(RUN, "stitch", "render", 0, 50, 48, 2, 0, ShardState.FAILED));
    catalog
        .progress()
        .recordShardProgress(shard(RUN, "stitch", "render", 1, 50, 50, 0, 0, ShardState.DONE));
    catalog
        .progress()
        .recordShardProgress(shard(RUN, "stitch", "render", 1, 50, 50, 0, 0, ShardState.DONE));
    st = step(RUN, "stitch", "render");
    assertEquals(98, st.unitsDone());
    assertEquals(2, st.unitsFailed());
    assertEquals(0, st.unitsRunning());
    assertEquals(0, st.unitsPending());

    assertThrows(
        NoSuchRunException.class,
        () ->
            catalog
                .progress()
                .recordShardProgress(
                    shard("h01/nope", "stitch", "render", 0, 1, 1, 0, 0, ShardState.DONE)));
    CatalogException e =
        assertThrows(
            CatalogException.class,
            () ->
                catalog
                    .progress()
                    .recordShardProgress(
                        shard(RUN, "stitch", "montage", 0, 1, 1, 0, 0, ShardState.DONE)));
    assertTrue(e.getMessage().contains("not registered"), e.getMessage());
  }

  @Test
  void concurrentShardProgressFromEightThreadsGivesExactSums() throws Exception {
    register(RUN);
    int shards = 8;
    int perShard = 40;
    List<ShardProgress> initial = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      initial.add(shard(RUN, "segment", "watershed", s, perShard, 0, 0, 0, ShardState.PENDING));
    }
    catalog
        .progress()
        .registerStep(
            new StepRegistration(
                RUN,
                "segment",
                "watershed",
                0,
                "p",
                (long) shards * perShard,
                shards,
                shards,
                initial));
    CyclicBarrier start = new CyclicBarrier(shards);
    List<Callable<Void>> reporters = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      long shard = s;
      reporters.add(
          () -> {
            start.await();
            long failed = shard % 2;
            for (int done = 1; done <= perShard - failed; done++) {
              boolean last = done == perShard - failed;
              catalog
                  .progress()
                  .recordShardProgress(
                      shard(
                          RUN,
                          "segment",
                          "watershed",
                          shard,
                          perShard,
                          done,
                          last ? failed : 0,
                          last ? 0 : 1,
                          last ? ShardState.DONE : ShardState.RUNNING));
            }
            return null;
          });
    }
    runConcurrently(reporters);
    StepStatus st = step(RUN, "segment", "watershed");
    long failed = LongStream.range(0, shards).map(s -> s % 2).sum();
    assertEquals((long) shards * perShard - failed, st.unitsDone());
    assertEquals(failed, st.unitsFailed());
    assertEquals(0, st.unitsRunning());
    assertEquals(0, st.unitsPending());
    assertEquals(
        st.unitsDone(), count("SELECT SUM(units_done) FROM catalog_shard WHERE run_id = ?", RUN));
  }

  @Test
  void aFinishedStepRegisteredAgainStartsItsTimeAnew() {
    register(RUN);
    Instant t1 = tick();
    catalog
        .progress()
        .registerStep(new StepRegistration(RUN, "mesh", "meshing", 0, "p", 10, 1, 1, List.of()));
    tick();
    // registered again while unfinished (continue-as-new): the start stays
    catalog
        .progress()
        .registerStep(new StepRegistration(RUN, "mesh", "meshing", 0, "p", 10, 1, 1, List.of()));
    assertEquals(t1, step(RUN, "mesh", "meshing").startedAt());
    Instant t3 = tick();
    catalog.progress().updateStepState(RUN, "mesh", "meshing", StepState.DONE, null);
    assertEquals(t3, step(RUN, "mesh", "meshing").finishedAt());
    tick();
    // a relaunch minutes later: the step's time is its latest execution, not the idle time in
    // between
    Instant t5 = tick();
    catalog
        .progress()
        .registerStep(new StepRegistration(RUN, "mesh", "meshing", 0, "p", 10, 1, 1, List.of()));
    StepStatus st = step(RUN, "mesh", "meshing");
    assertEquals(t5, st.startedAt());
    assertNull(st.finishedAt());
  }

  @Test
  void updateStepStateTimestamps() {
    register(RUN);
    Instant t1 = tick();
    catalog
        .progress()
        .registerStep(new StepRegistration(RUN, "mesh", "meshing", 0, "p", 10, 1, 1, List.of()));
    Instant t2 = tick();
    catalog
        .progress()
        .updateStepState(RUN, "mesh", "meshing", StepState.DONE_WITH_FAILURES, "3 units failed");
    StepStatus st = step(RUN, "mesh", "meshing");
    assertEquals(StepState.DONE_WITH_FAILURES, st.state());
    assertEquals(t1, st.startedAt());
    assertEquals(t2, st.finishedAt());
    assertEquals("3 units failed", st.error());
    tick();
    catalog.progress().updateStepState(RUN, "mesh", "meshing", StepState.RUNNING, null);
    st = step(RUN, "mesh", "meshing");
    assertEquals(t1, st.startedAt());
    assertNull(st.finishedAt());
    assertNull(st.error());
    tick();
    catalog.progress().updateStepState(RUN, "mesh", "meshing", StepState.PAUSED, null);
    assertNull(step(RUN, "mesh", "meshing").finishedAt());
    assertTrue(StepState.CANCELLED.isTerminal());

    CatalogException e =
        assertThrows(
            CatalogException.class,
            () ->
                catalog.progress().updateStepState(RUN, "mesh", "skeleton", StepState.DONE, null));
    assertTrue(e.getMessage().contains("mesh/skeleton"), e.getMessage());
    assertThrows(
        NoSuchRunException.class,
        () ->
            catalog
                .progress()
                .updateStepState("h01/nope", "mesh", "meshing", StepState.DONE, null));
  }

  @Test
  void statusOfUnknownRunThrowsNoSuchRun() {
    NoSuchRunException e =
        assertThrows(NoSuchRunException.class, () -> catalog.progress().status("h01/nope"));
    assertEquals("h01/nope", e.runId());
  }

  @Test
  void statusListsStagesAndStepsInOrder() {
    register(RUN);
    catalog.progress().upsertStage(RUN, "stitch", 1, StageState.RUNNING, null);
    catalog.progress().upsertStage(RUN, "ingest", 0, StageState.DONE, null);
    catalog
        .progress()
        .registerStep(new StepRegistration(RUN, "stitch", "render", 2, "p", 1, 1, 1, List.of()));
    catalog
        .progress()
        .registerStep(new StepRegistration(RUN, "stitch", "match", 0, "p", 1, 1, 1, List.of()));
    catalog
        .progress()
        .registerStep(new StepRegistration(RUN, "stitch", "solve", 1, "p", 1, 1, 1, List.of()));
    catalog
        .progress()
        .registerStep(new StepRegistration(RUN, "ingest", "scan", 0, "p", 1, 1, 1, List.of()));
    RunStatus s = catalog.progress().status(RUN);
    assertEquals(RUN, s.run().runId());
    assertEquals(List.of("ingest", "stitch"), s.stages().stream().map(StageStatus::stage).toList());
    assertEquals(
        List.of("scan"), s.stages().get(0).steps().stream().map(StepStatus::step).toList());
    assertEquals(
        List.of("match", "solve", "render"),
        s.stages().get(1).steps().stream().map(StepStatus::step).toList());
  }

  @Test
  void activeRunsAreRunningPausedOrPending() {
    Map<String, RunState> states =
        Map.of(
            "s/a",
            RunState.RUNNING,
            "s/b",
            RunState.DONE,
            "s/c",
            RunState.PENDING,
            "s/d",
            RunState.PAUSED,
            "s/e",
            RunState.FAILED,
            "s/f",
            RunState.CANCELLED);
    for (Map.Entry<String, RunState> e : states.entrySet()) {
      register(e.getKey());
      catalog.progress().upsertStage(e.getKey(), "ingest", 0, StageState.RUNNING, null);
      catalog
          .progress()
          .registerStep(
              new StepRegistration(e.getKey(), "ingest", "scan", 0, "p", 7, 1, 1, List.of()));
      if (e.getValue() != RunState.PENDING) {
        catalog.runs().updateState(e.getKey(), e.getValue(), null);
      }
    }
    List<RunStatus> active = catalog.progress().activeRuns();
    assertEquals(
        Set.of("s/a", "s/c", "s/d"),
        active.stream().map(r -> r.run().runId()).collect(Collectors.toSet()));
    for (RunStatus r : active) {
      assertEquals(states.get(r.run().runId()), r.run().state());
      assertEquals(1, r.stages().size());
      assertEquals(7, r.stages().get(0).steps().get(0).unitsTotal());
    }
  }

  // ---- events
  // ----------------------------------------------------------------------------------------------------

  @Test
  void eventsNewestFirstAndCounts() {
    register(RUN);
    catalog
        .events()
        .record(new RunEvent(0, RUN, null, null, EventKind.RUN_STARTED, "started", null));
    tick();
    catalog
        .events()
        .record(new RunEvent(0, RUN, "stitch", null, EventKind.STAGE_STARTED, null, null));
    tick();
    catalog
        .events()
        .record(new RunEvent(0, RUN, "stitch", "render", EventKind.STEP_STARTED, "x", null));
    tick();
    catalog
        .events()
        .record(
            new RunEvent(
                0, RUN, "stitch", "render", EventKind.UNITS_FAILED, "m".repeat(70_000), null));
    Instant t4 = tick();
    catalog
        .events()
        .record(new RunEvent(0, RUN, "stitch", "render", EventKind.UNITS_FAILED, "again", null));
    catalog
        .events()
        .record(
            new RunEvent(0, RUN, null, null, EventKind.RUN_PAUSED, "earlier", T0.minusSeconds(5)));

    List<RunEvent> all = catalog.events().latest(RUN, 100);
    assertEquals(
        List.of(
            EventKind.UNITS_FAILED,
            EventKind.UNITS_FAILED,
            EventKind.STEP_STARTED,
            EventKind.STAGE_STARTED,
            EventKind.RUN_STARTED,
            EventKind.RUN_PAUSED),
        all.stream().map(RunEvent::kind).toList());
    RunEvent newest = all.get(0);
    assertEquals(
        new RunEvent(newest.id(), RUN, "stitch", "render", EventKind.UNITS_FAILED, "again", t4),
        newest);
    assertEquals(Catalog.MAX_TEXT_CHARS, all.get(1).message().length());
    assertNull(all.get(3).message());
    assertEquals(all.subList(0, 2), catalog.events().latest(RUN, 2));
    assertEquals(
        Map.of(
            EventKind.RUN_STARTED,
            1L,
            EventKind.STAGE_STARTED,
            1L,
            EventKind.STEP_STARTED,
            1L,
            EventKind.UNITS_FAILED,
            2L,
            EventKind.RUN_PAUSED,
            1L),
        catalog.events().countByKind(RUN));
    assertEquals(Map.of(), catalog.events().countByKind("h01/nope"));
    assertEquals(List.of(), catalog.events().latest("h01/nope", 10));
    assertThrows(
        NoSuchRunException.class,
        () ->
            catalog
                .events()
                .record(
                    new RunEvent(0, "h01/nope", null, null, EventKind.RUN_STARTED, null, null)));
  }

  // ---- the notification outbox
  // -----------------------------------------------------------------------------------

  static OutboxMessage message(String key) {
    return new OutboxMessage(
        "run_failed", "http://127.0.0.1:9/hook", key, "{\"text\":\"" + key + "\"}");
  }

  static RunEvent failed(String runId) {
    return new RunEvent(0, runId, null, null, EventKind.RUN_FAILED, "boom", null);
  }

  @Test
  void anEventAndItsNotificationsAreWrittenTogetherOnce() {
    register(RUN);
    assertEquals(2, catalog.events().record(failed(RUN), List.of(message("k1"), message("k2"))));
    // the same recording again (a retried activity): a second event, the notifications once
    assertEquals(0, catalog.events().record(failed(RUN), List.of(message("k1"), message("k2"))));
    List<NotificationOutbox.Notification> queued = catalog.notifications().ofRun(RUN);
    assertEquals(List.of("k1", "k2"), queued.stream().map(n -> n.idempotencyKey()).toList());
    NotificationOutbox.Notification k1 = queued.get(0);
    assertEquals(NotificationOutbox.State.PENDING, k1.state());
    assertEquals(0, k1.attempts());
    assertEquals(T0, k1.nextAttemptAt());
    assertEquals("{\"text\":\"k1\"}", k1.body());
    assertEquals(2L, catalog.events().countByKind(RUN).get(EventKind.RUN_FAILED));
    assertEquals(java.util.Optional.of(T0), catalog.notifications().nextDue());

    // no run, no event and no notification
    assertThrows(
        NoSuchRunException.class,
        () -> catalog.events().record(failed("h01/nope"), List.of(message("k3"))));
    assertEquals(List.of(), catalog.notifications().ofRun("h01/nope"));
  }

  @Test
  void aClaimHoldsANotificationUntilItIsSettledOrExpires() {
    register(RUN);
    catalog.events().record(failed(RUN), List.of(message("a"), message("b"), message("c")));
    NotificationOutbox outbox = catalog.notifications();
    List<NotificationOutbox.Notification> mine = outbox.claimDue("d1", Duration.ofSeconds(30), 2);
    assertEquals(List.of("a", "b"), mine.stream().map(n -> n.idempotencyKey()).toList());
    assertEquals(
        List.of("c"),
        outbox.claimDue("d2", Duration.ofSeconds(30), 5).stream()
            .map(n -> n.idempotencyKey())
            .toList());
    assertEquals(List.of(), outbox.claimDue("d3", Duration.ofSeconds(30), 5));

    assertTrue(outbox.sent(mine.get(0)));
    assertTrue(outbox.retryAfter(mine.get(1), Duration.ofSeconds(10), "HTTP 503"));
    assertFalse(outbox.sent(mine.get(1)), "the claim was given back with the retry");
    NotificationOutbox.Notification b = outbox.ofRun(RUN).get(1);
    assertEquals(NotificationOutbox.State.PENDING, b.state());
    assertEquals(1, b.attempts());
    assertEquals("HTTP 503", b.lastError());
    assertEquals(List.of(), outbox.claimDue("d3", Duration.ofSeconds(30), 5), "b not due yet");

    clock.advance(Duration.ofSeconds(10));
    List<NotificationOutbox.Notification> retry = outbox.claimDue("d3", Duration.ofSeconds(30), 5);
    assertEquals(List.of("b"), retry.stream().map(n -> n.idempotencyKey()).toList());
    assertTrue(outbox.failed(retry.get(0), "HTTP 404"));

    // d2's holder died holding c: its claim expires and another deliverer takes it
    clock.advance(Duration.ofSeconds(20));
    List<NotificationOutbox.Notification> orphan = outbox.claimDue("d4", Duration.ofSeconds(30), 5);
    assertEquals(List.of("c"), orphan.stream().map(n -> n.idempotencyKey()).toList());
    assertTrue(outbox.sent(orphan.get(0)));
    assertEquals(
        List.of(
            NotificationOutbox.State.SENT,
            NotificationOutbox.State.FAILED,
            NotificationOutbox.State.SENT),
        outbox.ofRun(RUN).stream().map(n -> n.state()).toList());
    assertEquals(List.of(1, 2, 1), outbox.ofRun(RUN).stream().map(n -> n.attempts()).toList());
    assertTrue(outbox.nextDue().isEmpty());
  }

  @Test
  void concurrentDeliverersNeverHoldTheSameNotification() throws Exception {
    register(RUN);
    List<OutboxMessage> messages = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      messages.add(message("m" + i));
    }
    catalog.events().record(failed(RUN), messages);
    ConcurrentLinkedQueue<Long> claimed = new ConcurrentLinkedQueue<>();
    CyclicBarrier start = new CyclicBarrier(3);
    List<Callable<Void>> deliverers = new ArrayList<>();
    for (int d = 0; d < 3; d++) {
      String holder = "d" + d;
      deliverers.add(
          () -> {
            start.await();
            while (true) {
              List<NotificationOutbox.Notification> got =
                  catalog.notifications().claimDue(holder, Duration.ofMinutes(5), 7);
              if (got.isEmpty()) {
                return null;
              }
              for (NotificationOutbox.Notification n : got) {
                claimed.add(n.id());
                assertTrue(catalog.notifications().sent(n));
              }
            }
          });
    }
    runConcurrently(deliverers);
    assertEquals(120, claimed.size(), "no notification claimed twice");
    assertEquals(120, new HashSet<>(claimed).size());
    assertEquals(0, count("SELECT COUNT(*) FROM catalog_notification WHERE state <> 'SENT'"));
  }
}
