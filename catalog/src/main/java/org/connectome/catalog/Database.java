package org.connectome.catalog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The database the catalog's stores (and ingest's) live in: a HikariCP pool on H2 or PostgreSQL,
 * the application clock, the migration of each store's schema, and the transactions the stores run
 * their statements in. Errors name the database by its URL with any password masked.
 */
public final class Database implements AutoCloseable {
  /** How long an H2 opener retries while another process is settling the file's lock. */
  static final Duration H2_OPEN_WAIT = Duration.ofSeconds(45);

  private static final Pattern PASSWORD = Pattern.compile("(?i)(password\\s*=\\s*)[^;&]*");
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final int MAX_ATTEMPTS = 12;

  private final HikariDataSource pool;
  private final Dialect dialect;
  private final Clock clock;
  private final String where;
  private final boolean sharedH2File;

  private Database(
      HikariDataSource pool, Dialect dialect, Clock clock, String where, boolean sharedH2File) {
    this.pool = pool;
    this.dialect = dialect;
    this.clock = clock;
    this.where = where;
    this.sharedH2File = sharedH2File;
  }

  /**
   * Opens a pool on {@code jdbcUrl}; user and password may also come from the URL.
   *
   * @throws CatalogException naming the URL (password masked) when the database cannot be reached
   */
  static Database open(String jdbcUrl, String user, String password, Clock clock) {
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
    boolean shared = dialect == Dialect.H2 && MigrationLock.h2File(jdbcUrl) != null;
    long deadline = System.nanoTime() + H2_OPEN_WAIT.toNanos();
    while (true) {
      try {
        config.setPoolName("connectome-catalog-" + POOLS.incrementAndGet());
        return new Database(new HikariDataSource(config), dialect, clock, where, shared);
      } catch (RuntimeException e) {
        String why = rootMessage(e);
        if (!shared || !isH2Handover(e) || System.nanoTime() > deadline) {
          throw new CatalogException("cannot open catalog database " + where + ": " + mask(why), e);
        }
        sleep(200, "opening catalog database " + where);
      }
    }
  }

  public Dialect dialect() {
    return dialect;
  }

  /** The URL of the database with any password masked: how messages name it. */
  public String where() {
    return where;
  }

  /**
   * The pooled connections, for a store of another module whose library wants a {@code DataSource}
   * (ingest's Spring Batch job repository); the catalog's own stores go through its transactions
   * instead.
   */
  public DataSource dataSource() {
    return pool;
  }

  /**
   * Creates or migrates the tables of one store, and returns the store's schema version.
   *
   * @throws CatalogException when the schema is not one this build can use (changed or unknown
   *     migrations, a newer database), naming the URL with any password masked
   */
  public int migrate(Schema schema) {
    return new Migrator(this, schema).migrate();
  }

  /** Now on the application clock, to the microsecond both databases keep. */
  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  <T> T read(String what, Sql.Work<T> work) {
    return execute(what, false, false, work);
  }

  /**
   * A read of several statements that must see one snapshot (status of a run: run, stages, steps).
   */
  <T> T snapshot(String what, Sql.Work<T> work) {
    return execute(what, false, true, work);
  }

  /**
   * A write; an upsert sets {@code retryOnUniqueViolation}, so that losing a race to a concurrent
   * INSERT runs it again as an UPDATE.
   */
  <T> T write(String what, boolean retryOnUniqueViolation, Sql.Work<T> work) {
    return execute(what, retryOnUniqueViolation, false, work);
  }

  /**
   * Runs {@code work} in one transaction (read committed, or repeatable read for snapshots),
   * retrying on deadlocks, serialization failures, lock timeouts and, for upserts, on unique
   * violations.
   */
  private <T> T execute(
      String what, boolean retryOnUniqueViolation, boolean repeatableRead, Sql.Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = pool.getConnection()) {
        // HikariCP restores auto-commit and the isolation level when the connection goes back
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
          sleep(ThreadLocalRandom.current().nextLong(1, 5L * attempt + 2), "retrying " + what);
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
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        if (retryOnUniqueViolation && state.equals("23505")) {
          return true;
        }
        // serialization failure / deadlock (both), PostgreSQL deadlock and lock_not_available,
        // H2 lock timeout and concurrent update
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

  /** Whether this is an H2 file that processes may share (and take over from each other). */
  boolean sharesH2File() {
    return sharedH2File;
  }

  /**
   * Whether an H2 failure comes from processes sharing a file through AUTO_SERVER taking it over
   * from each other: when several open a file at once, or the one serving it exits, H2 refuses the
   * others while one settles the lock file and its port, or their connections break or find the
   * database closed under them; a moment later they connect.
   */
  static boolean isH2Handover(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage() == null ? "" : t.getMessage();
      if (m.contains("Lock file recently modified")
          || m.contains("Locked by another process")
          || m.contains("Another process was faster")
          || (t instanceof SQLException s
              && ("90067".equals(s.getSQLState()) || "90121".equals(s.getSQLState())))) {
        return true;
      }
    }
    return false;
  }

  /** Closes the pool's connections (those in use when they come back): after a handover. */
  void evictConnections() {
    pool.getHikariPoolMXBean().softEvictConnections();
  }

  static void sleep(long millis, String what) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CatalogException("interrupted " + what, e);
    }
  }

  /** The URL with the value of any {@code password=} setting replaced by {@code ****}. */
  static String maskUrl(String jdbcUrl) {
    return jdbcUrl == null ? "null" : mask(jdbcUrl);
  }

  static String mask(String text) {
    return text == null ? null : PASSWORD.matcher(text).replaceAll("$1****");
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.toString() : m;
  }

  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return "Database[" + where + "]";
  }
}
