package org.connectome.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
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
import java.util.concurrent.atomic.AtomicBoolean;
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
    return catalog.registerRun(
        new NewRun(runId, null, null, "{\"sample\":\"h01\"}", "spec-1", "wf-" + runId));
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
    return catalog.status(runId).stage(stage).orElseThrow().steps().stream()
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
    try (Connection c = catalog.dataSource().getConnection();
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
    try (Connection c = on.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  List<String> versionRows(Catalog on) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = on.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT version, description, checksum, applied_at FROM"
                    + " catalog_schema_version ORDER BY version")) {
      while (rs.next()) {
        rows.add(
            rs.getInt(1)
                + "|"
                + rs.getString(2)
                + "|"
                + rs.getString(3)
                + "|"
                + rs.getObject(4, java.time.OffsetDateTime.class).toInstant());
      }
    }
    return rows;
  }

  /** Migrations this build ships: V1 catalog, V2 Spring Batch job repository, V3 ingest. */
  static final int LATEST = 3;

  // ---- opening and migrations
  // ------------------------------------------------------------------------------------

  @Test
  void opensWithDialectSchemaVersionAndPooledDataSource() throws Exception {
    assertEquals(expectedDialect(), catalog.dialect());
    assertEquals(LATEST, catalog.schemaVersion());
    assertInstanceOf(HikariDataSource.class, catalog.dataSource());
    try (Connection c = catalog.dataSource().getConnection()) {
      assertTrue(c.isValid(5));
    }
  }

  @Test
  void migrationsApplyOnceAndReopeningIsIdempotent() throws Exception {
    List<String> before = versionRows(catalog);
    assertEquals(LATEST, before.size());
    assertTrue(before.get(0).startsWith("1|catalog|"), before.get(0));
    assertTrue(before.get(0).endsWith("|" + T0), before.get(0));
    register(RUN);
    catalog.close();

    clock.advance(Duration.ofHours(1));
    Catalog again = open(url);
    assertEquals(LATEST, again.schemaVersion());
    assertEquals(before, versionRows(again));
    assertTrue(again.findRun(RUN).isPresent());
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
    execute(catalog, "UPDATE catalog_schema_version SET checksum = 'deadbeef' WHERE version = 1");
    catalog.close();
    CatalogException e = assertThrows(CatalogException.class, () -> open(url));
    assertTrue(e.getMessage().contains("V1"), e.getMessage());
    assertTrue(e.getMessage().contains("checksum deadbeef"), e.getMessage());
    assertTrue(e.getMessage().contains("must never change"), e.getMessage());
  }

  @Test
  void newerDatabaseIsRefused() throws Exception {
    execute(
        catalog,
        "INSERT INTO catalog_schema_version (version, description, checksum, applied_at)"
            + " VALUES (99, 'future', 'abc', CURRENT_TIMESTAMP)");
    catalog.close();
    CatalogException e = assertThrows(CatalogException.class, () -> open(url));
    assertTrue(
        e.getMessage().contains("schema version 99, newer than this build knows (" + LATEST + ")"),
        e.getMessage());
  }

  @Test
  void openFailureNamesTheUrlWithPasswordMasked() {
    String bad = unreachableUrlWithPassword();
    CatalogException e = assertThrows(CatalogException.class, () -> Catalog.open(bad));
    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    assertTrue(e.getMessage().contains(Catalog.maskUrl(bad)), e.getMessage());
    assertTrue(
        e.getMessage().contains("password=****") || e.getMessage().contains("PASSWORD=****"),
        e.getMessage());
    assertThrows(CatalogException.class, () -> Catalog.open("jdbc:sqlite:/tmp/x.db"));
  }

  @Test
  void dialectSpecificMigrationOverridesTheCommonFile() throws Exception {
    String fresh = newDatabaseUrl();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(fresh);
    config.setMaximumPoolSize(2);
    try (HikariDataSource ds = new HikariDataSource(config)) {
      MigrationRunner runner =
          new MigrationRunner(
              ds, expectedDialect(), "org/connectome/catalog/testmigrations", "test", clock);
      assertEquals(3, runner.migrate());
      assertEquals(3, runner.migrate());
      try (Connection c = ds.getConnection();
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
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM catalog_schema_version")) {
          rs.next();
          assertEquals(3, rs.getInt(1));
        }
      }
    }
    Dialect other = expectedDialect() == Dialect.H2 ? Dialect.POSTGRESQL : Dialect.H2;
    List<MigrationRunner.Migration> mine =
        MigrationRunner.load(
            getClass().getClassLoader(),
            "org/connectome/catalog/testmigrations",
            expectedDialect());
    List<MigrationRunner.Migration> theirs =
        MigrationRunner.load(
            getClass().getClassLoader(), "org/connectome/catalog/testmigrations", other);
    assertEquals(List.of(1, 2, 3), mine.stream().map(MigrationRunner.Migration::version).toList());
    assertEquals(mine.get(0).checksum(), theirs.get(0).checksum());
    assertNotEquals(mine.get(1).checksum(), theirs.get(1).checksum());
    assertTrue(mine.get(1).resource().contains("/" + expectedDialect().resourceDir() + "/V2__"));
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
    assertEquals(r, catalog.findRun(RUN).orElseThrow());
    assertTrue(catalog.findRun("h01/nope").isEmpty());

    catalog.updateRunState(RUN, RunState.RUNNING, null);
    Instant t = tick();
    RunRecord again =
        catalog.registerRun(new NewRun(RUN, "h01", "run-1", "{\"v\":2}", "spec-2", "wf-2"));
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
    catalog.updateRunState("s/a", RunState.RUNNING, null);
    assertEquals(
        List.of("s/a", "s/c", "s/b"), catalog.listRuns(10).stream().map(RunRecord::runId).toList());
    assertEquals(
        List.of("s/a", "s/c"), catalog.listRuns(2).stream().map(RunRecord::runId).toList());
    assertEquals(List.of(), catalog.listRuns(0));
  }

  @Test
  void runStateTimestamps() {
    register(RUN);
    Instant t1 = tick();
    catalog.updateRunState(RUN, RunState.RUNNING, null);
    RunRecord r = catalog.findRun(RUN).orElseThrow();
    assertEquals(t1, r.startedAt());
    assertNull(r.finishedAt());
    assertEquals(t1, r.updatedAt());

    tick();
    catalog.updateRunState(RUN, RunState.PAUSED, null);
    tick();
    catalog.updateRunState(RUN, RunState.RUNNING, null);
    assertEquals(t1, catalog.findRun(RUN).orElseThrow().startedAt());

    Instant t4 = tick();
    catalog.updateRunState(RUN, RunState.FAILED, "boom");
    r = catalog.findRun(RUN).orElseThrow();
    assertEquals(RunState.FAILED, r.state());
    assertEquals("boom", r.error());
    assertEquals(t4, r.finishedAt());
    tick();
    catalog.updateRunState(RUN, RunState.FAILED, "boom");
    assertEquals(t4, catalog.findRun(RUN).orElseThrow().finishedAt());

    tick();
    catalog.updateRunState(RUN, RunState.RUNNING, null);
    r = catalog.findRun(RUN).orElseThrow();
    assertNull(r.finishedAt());
    assertNull(r.error());
    assertEquals(t1, r.startedAt());

    Instant t6 = tick();
    catalog.updateRunState(RUN, RunState.DONE, null);
    assertEquals(t6, catalog.findRun(RUN).orElseThrow().finishedAt());
    assertTrue(RunState.DONE.isTerminal());
    assertFalse(RunState.PAUSED.isTerminal());

    assertThrows(
        NoSuchRunException.class, () -> catalog.updateRunState("h01/nope", RunState.RUNNING, null));
  }

  @Test
  void longStringsRoundTrip() {
    String spec = "{\"x\":\"" + "s".repeat(200_000) + "\"}";
    catalog.registerRun(new NewRun(RUN, null, null, spec, "h", "wf"));
    String error = "e".repeat(Catalog.MAX_TEXT_CHARS);
    catalog.updateRunState(RUN, RunState.FAILED, error);
    RunRecord r = catalog.findRun(RUN).orElseThrow();
    assertEquals(spec, r.specJson());
    assertEquals(error, r.error());
    catalog.upsertStage(RUN, "align", 2, StageState.FAILED, error + "more");
    String clipped = catalog.status(RUN).stages().get(0).error();
    assertEquals(Catalog.MAX_TEXT_CHARS, clipped.length());
    assertTrue(
        clipped.endsWith("...[truncated 4+ chars]"), clipped.substring(clipped.length() - 40));
  }

  // ---- leases
  // ----------------------------------------------------------------------------------------------------

  @Test
  void leaseLifecycle() {
    Duration ttl = Duration.ofSeconds(30);
    assertTrue(catalog.lease(RUN).isEmpty());
    assertTrue(catalog.acquireLease(RUN, "1@a", ttl));
    assertEquals(new Lease("1@a", T0.plus(ttl)), catalog.lease(RUN).orElseThrow());
    assertFalse(catalog.acquireLease(RUN, "2@b", ttl));

    Instant t = tick();
    assertTrue(catalog.acquireLease(RUN, "1@a", ttl), "re-acquiring our own lease extends it");
    assertEquals(t.plus(ttl), catalog.lease(RUN).orElseThrow().expiresAt());

    t = tick();
    catalog.renewLease(RUN, "1@a", Duration.ofMinutes(2));
    assertEquals(t.plusSeconds(120), catalog.lease(RUN).orElseThrow().expiresAt());
    CatalogException e =
        assertThrows(CatalogException.class, () -> catalog.renewLease(RUN, "2@b", ttl));
    assertTrue(e.getMessage().contains("held by 1@a"), e.getMessage());

    catalog.releaseLease(RUN, "2@b");
    assertEquals("1@a", catalog.lease(RUN).orElseThrow().owner());
    catalog.releaseLease(RUN, "1@a");
    assertTrue(catalog.lease(RUN).isEmpty());
    assertTrue(catalog.acquireLease(RUN, "2@b", ttl));
    assertEquals("2@b", catalog.lease(RUN).orElseThrow().owner());
  }

  @Test
  void expiredLeaseCanBeTakenOver() {
    assertTrue(catalog.acquireLease(RUN, "1@a", Duration.ofSeconds(30)));
    clock.advance(Duration.ofSeconds(29));
    assertFalse(catalog.acquireLease(RUN, "2@b", Duration.ofSeconds(30)));
    clock.advance(Duration.ofSeconds(1));
    Lease old = catalog.lease(RUN).orElseThrow();
    assertTrue(old.isExpired(clock.instant()));
    assertTrue(catalog.acquireLease(RUN, "2@b", Duration.ofSeconds(30)));
    assertEquals(
        new Lease("2@b", clock.instant().plusSeconds(30)), catalog.lease(RUN).orElseThrow());
    assertThrows(
        CatalogException.class, () -> catalog.renewLease(RUN, "1@a", Duration.ofSeconds(30)));
    assertFalse(catalog.acquireLease(RUN, "1@a", Duration.ofSeconds(30)));
  }

  @Test
  void concurrentAcquireLeaseExactlyOneWins() throws Exception {
    for (int round = 0; round < 30; round++) {
      String runId = "race/" + round;
      if (round % 2 == 1) {
        // an expired lease: both contenders go through the conditional UPDATE
        assertTrue(catalog.acquireLease(runId, "old", Duration.ofSeconds(1)));
        clock.advance(Duration.ofSeconds(2));
      }
      CyclicBarrier start = new CyclicBarrier(2);
      List<Callable<Boolean>> contenders = new ArrayList<>();
      for (String owner : List.of("1@a", "2@b")) {
        contenders.add(
            () -> {
              start.await();
              return catalog.acquireLease(runId, owner, Duration.ofMinutes(1));
            });
      }
      List<Boolean> won = runConcurrently(contenders);
      assertEquals(1, won.stream().filter(b -> b).count(), "round " + round + ": " + won);
      String winner = won.get(0) ? "1@a" : "2@b";
      assertEquals(winner, catalog.lease(runId).orElseThrow().owner(), "round " + round);
    }
  }

  // ---- stages and steps
  // ------------------------------------------------------------------------------------------

  @Test
  void upsertStageTimestampsResumesAndOrder() {
    register(RUN);
    catalog.upsertStage(RUN, "stitch", 1, StageState.PENDING, null);
    StageStatus s = catalog.status(RUN).stage("stitch").orElseThrow();
    assertEquals(
        new StageStatus("stitch", 1, StageState.PENDING, 0, null, null, null, List.of()), s);

    Instant t1 = tick();
    catalog.upsertStage(RUN, "stitch", 1, StageState.RUNNING, null);
    tick();
    catalog.upsertStage(RUN, "stitch", 1, StageState.WAITING_TO_RESUME, "pods evicted");
    catalog.incrementStageResumes(RUN, "stitch");
    catalog.incrementStageResumes(RUN, "stitch");
    tick();
    catalog.upsertStage(RUN, "stitch", 1, StageState.RUNNING, null);
    Instant t4 = tick();
    catalog.upsertStage(RUN, "stitch", 1, StageState.DONE_WITH_FAILURES, "2 tiles failed");
    catalog.upsertStage(RUN, "ingest", 0, StageState.DONE, null);

    RunStatus status = catalog.status(RUN);
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
        () -> catalog.upsertStage("h01/nope", "stitch", 1, StageState.RUNNING, null));
    assertThrows(
        NoSuchRunException.class, () -> catalog.incrementStageResumes("h01/nope", "stitch"));
    CatalogException e =
        assertThrows(CatalogException.class, () -> catalog.incrementStageResumes(RUN, "mesh"));
    assertFalse(e instanceof NoSuchRunException);
  }

  @Test
  void registerStepReplacesShardRowsAndSetsUnitsDoneAtStart() throws Exception {
    register(RUN);
    catalog.upsertStage(RUN, "align", 2, StageState.RUNNING, null);
    List<ShardProgress> first = new ArrayList<>();
    for (long i = 0; i < 4; i++) {
      first.add(shard(RUN, "align", "match", i, 10, 0, 0, 0, ShardState.PENDING));
    }
    Instant t1 = tick();
    catalog.registerStep(new StepRegistration(RUN, "align", "match", 0, "p1", 40, 2, 4, first));
    StepStatus st = step(RUN, "align", "match");
    assertEquals(
        new StepStatus(
            "match", 0, StepState.RUNNING, 40, 0, 0, 0, 0, 2, 4, "p1", t1, null, t1, null),
        st);
    assertEquals(40, st.unitsPending());

    catalog.recordShardProgress(shard(RUN, "align", "match", 0, 10, 10, 0, 0, ShardState.DONE));
    catalog.recordShardProgress(shard(RUN, "align", "match", 1, 10, 5, 1, 2, ShardState.RUNNING));
    st = step(RUN, "align", "match");
    assertEquals(15, st.unitsDone());
    assertEquals(1, st.unitsFailed());
    assertEquals(2, st.unitsRunning());
    assertEquals(22, st.unitsPending());

    // resume: the planner found 10 + 5 units with valid markers and re-cut the rest into new shards
    tick();
    catalog.updateStepState(RUN, "align", "match", StepState.FAILED, "worker lost");
    Instant t2 = tick();
    catalog.registerStep(
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
    catalog.registerStep(
        new StepRegistration(RUN, "segment", "agglomerate", 1, "p", 5, 1, 0, List.of()));
    StageStatus seg = catalog.status(RUN).stage("segment").orElseThrow();
    assertEquals(StageState.RUNNING, seg.state());
    assertEquals(3, seg.ordinal());
    assertThrows(
        NoSuchRunException.class,
        () ->
            catalog.registerStep(
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
                        shard("h01/nope", "align", "match", 0, 1, 0, 0, 0, ShardState.PENDING)))));
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
    catalog.registerStep(
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
    catalog.recordShardProgress(p);
    catalog.recordShardProgress(p);
    StepStatus st = step(RUN, "stitch", "render");
    assertEquals(30, st.unitsDone());
    assertEquals(2, st.unitsFailed());
    assertEquals(5, st.unitsRunning());
    assertEquals(63, st.unitsPending());

    catalog.recordShardProgress(shard(RUN, "stitch", "render", 0, 50, 48, 2, 0, ShardState.FAILED));
    catalog.recordShardProgress(shard(RUN, "stitch", "render", 1, 50, 50, 0, 0, ShardState.DONE));
    catalog.recordShardProgress(shard(RUN, "stitch", "render", 1, 50, 50, 0, 0, ShardState.DONE));
    st = step(RUN, "stitch", "render");
    assertEquals(98, st.unitsDone());
    assertEquals(2, st.unitsFailed());
    assertEquals(0, st.unitsRunning());
    assertEquals(0, st.unitsPending());

    assertThrows(
        NoSuchRunException.class,
        () ->
            catalog.recordShardProgress(
                shard("h01/nope", "stitch", "render", 0, 1, 1, 0, 0, ShardState.DONE)));
    CatalogException e =
        assertThrows(
            CatalogException.class,
            () ->
                catalog.recordShardProgress(
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
    catalog.registerStep(
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
              catalog.recordShardProgress(
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
    catalog.registerStep(new StepRegistration(RUN, "mesh", "meshing", 0, "p", 10, 1, 1, List.of()));
    tick();
    // registered again while unfinished (continue-as-new): the start stays
    catalog.registerStep(new StepRegistration(RUN, "mesh", "meshing", 0, "p", 10, 1, 1, List.of()));
    assertEquals(t1, step(RUN, "mesh", "meshing").startedAt());
    Instant t3 = tick();
    catalog.updateStepState(RUN, "mesh", "meshing", StepState.DONE, null);
    assertEquals(t3, step(RUN, "mesh", "meshing").finishedAt());
    tick();
    // a relaunch minutes later: the step's time is its latest execution, not the idle time in
    // between
    Instant t5 = tick();
    catalog.registerStep(new StepRegistration(RUN, "mesh", "meshing", 0, "p", 10, 1, 1, List.of()));
    StepStatus st = step(RUN, "mesh", "meshing");
    assertEquals(t5, st.startedAt());
    assertNull(st.finishedAt());
  }

  @Test
  void updateStepStateTimestamps() {
    register(RUN);
    Instant t1 = tick();
    catalog.registerStep(new StepRegistration(RUN, "mesh", "meshing", 0, "p", 10, 1, 1, List.of()));
    Instant t2 = tick();
    catalog.updateStepState(RUN, "mesh", "meshing", StepState.DONE_WITH_FAILURES, "3 units failed");
    StepStatus st = step(RUN, "mesh", "meshing");
    assertEquals(StepState.DONE_WITH_FAILURES, st.state());
    assertEquals(t1, st.startedAt());
    assertEquals(t2, st.finishedAt());
    assertEquals("3 units failed", st.error());
    tick();
    catalog.updateStepState(RUN, "mesh", "meshing", StepState.RUNNING, null);
    st = step(RUN, "mesh", "meshing");
    assertEquals(t1, st.startedAt());
    assertNull(st.finishedAt());
    assertNull(st.error());
    tick();
    catalog.updateStepState(RUN, "mesh", "meshing", StepState.PAUSED, null);
    assertNull(step(RUN, "mesh", "meshing").finishedAt());
    assertTrue(StepState.CANCELLED.isTerminal());

    CatalogException e =
        assertThrows(
            CatalogException.class,
            () -> catalog.updateStepState(RUN, "mesh", "skeleton", StepState.DONE, null));
    assertTrue(e.getMessage().contains("mesh/skeleton"), e.getMessage());
    assertThrows(
        NoSuchRunException.class,
        () -> catalog.updateStepState("h01/nope", "mesh", "meshing", StepState.DONE, null));
  }

  @Test
  void statusOfUnknownRunThrowsNoSuchRun() {
    NoSuchRunException e = assertThrows(NoSuchRunException.class, () -> catalog.status("h01/nope"));
    assertEquals("h01/nope", e.runId());
  }

  @Test
  void statusListsStagesAndStepsInOrder() {
    register(RUN);
    catalog.upsertStage(RUN, "stitch", 1, StageState.RUNNING, null);
    catalog.upsertStage(RUN, "ingest", 0, StageState.DONE, null);
    catalog.registerStep(new StepRegistration(RUN, "stitch", "render", 2, "p", 1, 1, 1, List.of()));
    catalog.registerStep(new StepRegistration(RUN, "stitch", "match", 0, "p", 1, 1, 1, List.of()));
    catalog.registerStep(new StepRegistration(RUN, "stitch", "solve", 1, "p", 1, 1, 1, List.of()));
    catalog.registerStep(new StepRegistration(RUN, "ingest", "scan", 0, "p", 1, 1, 1, List.of()));
    RunStatus s = catalog.status(RUN);
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
      catalog.upsertStage(e.getKey(), "ingest", 0, StageState.RUNNING, null);
      catalog.registerStep(
          new StepRegistration(e.getKey(), "ingest", "scan", 0, "p", 7, 1, 1, List.of()));
      if (e.getValue() != RunState.PENDING) {
        catalog.updateRunState(e.getKey(), e.getValue(), null);
      }
    }
    List<RunStatus> active = catalog.activeRuns();
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
    catalog.recordEvent(new RunEvent(0, RUN, null, null, EventKind.RUN_STARTED, "started", null));
    tick();
    catalog.recordEvent(new RunEvent(0, RUN, "stitch", null, EventKind.STAGE_STARTED, null, null));
    tick();
    catalog.recordEvent(
        new RunEvent(0, RUN, "stitch", "render", EventKind.STEP_STARTED, "x", null));
    tick();
    catalog.recordEvent(
        new RunEvent(0, RUN, "stitch", "render", EventKind.UNITS_FAILED, "m".repeat(70_000), null));
    Instant t4 = tick();
    catalog.recordEvent(
        new RunEvent(0, RUN, "stitch", "render", EventKind.UNITS_FAILED, "again", null));
    catalog.recordEvent(
        new RunEvent(0, RUN, null, null, EventKind.RUN_PAUSED, "earlier", T0.minusSeconds(5)));

    List<RunEvent> all = catalog.events(RUN, 100);
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
    assertEquals(all.subList(0, 2), catalog.events(RUN, 2));
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
        catalog.eventCounts(RUN));
    assertEquals(Map.of(), catalog.eventCounts("h01/nope"));
    assertEquals(List.of(), catalog.events("h01/nope", 10));
    assertThrows(
        NoSuchRunException.class,
        () ->
            catalog.recordEvent(
                new RunEvent(0, "h01/nope", null, null, EventKind.RUN_STARTED, null, null)));
  }

  // ---- control requests
  // ------------------------------------------------------------------------------------------

  @Test
  void controlRequestsAreTakenOnceOldestFirst() {
    register(RUN);
    assertEquals(List.of(), catalog.takeControlRequests(RUN));
    catalog.requestControl(RUN, ControlAction.PAUSE, "lunch");
    Instant t1 = tick();
    catalog.requestControl(RUN, ControlAction.RESUME, null);
    tick();
    catalog.requestControl(RUN, ControlAction.RETRY_FAILED, "fixed input");
    tick();
    List<ControlRequest> taken = catalog.takeControlRequests(RUN);
    assertEquals(
        List.of(ControlAction.PAUSE, ControlAction.RESUME, ControlAction.RETRY_FAILED),
        taken.stream().map(ControlRequest::action).toList());
    assertEquals(
        new ControlRequest(taken.get(1).id(), RUN, ControlAction.RESUME, null, t1), taken.get(1));
    assertEquals("lunch", taken.get(0).reason());
    assertEquals(List.of(), catalog.takeControlRequests(RUN));
    catalog.requestControl(RUN, ControlAction.CANCEL, "abort");
    assertEquals(
        List.of(ControlAction.CANCEL),
        catalog.takeControlRequests(RUN).stream().map(ControlRequest::action).toList());
    assertThrows(
        NoSuchRunException.class,
        () -> catalog.requestControl("h01/nope", ControlAction.CANCEL, null));
  }

  @Test
  void concurrentTakersNeverGetTheSameRequest() throws Exception {
    register(RUN);
    int requests = 150;
    AtomicBoolean producing = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Long> taken = new ConcurrentLinkedQueue<>();
    List<Callable<Void>> tasks = new ArrayList<>();
    CyclicBarrier start = new CyclicBarrier(3);
    tasks.add(
        () -> {
          start.await();
          for (int i = 0; i < requests; i++) {
            catalog.requestControl(RUN, ControlAction.values()[i % 4], "r" + i);
          }
          producing.set(false);
          return null;
        });
    for (int t = 0; t < 2; t++) {
      tasks.add(
          () -> {
            start.await();
            while (true) {
              boolean more = producing.get();
              List<ControlRequest> got = catalog.takeControlRequests(RUN);
              got.forEach(r -> taken.add(r.id()));
              if (!more && got.isEmpty()) {
                return null;
              }
            }
          });
    }
    runConcurrently(tasks);
    List<Long> ids = new ArrayList<>(taken);
    assertEquals(requests, new HashSet<>(ids).size(), "distinct requests taken");
    assertEquals(requests, ids.size(), "no request taken twice");
    assertEquals(0, count("SELECT COUNT(*) FROM catalog_control WHERE taken_at IS NULL"));
  }
}
