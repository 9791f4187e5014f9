package org.connectome.catalog;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets one migrator at a time work on a database, across threads and processes, from reading the
 * schema history to the last migration.
 *
 * <p>On PostgreSQL a session advisory lock keyed by the current schema. H2 commits DDL at once, and
 * Flyway's H2 lock ({@code SELECT ... FOR UPDATE} on the history table) locks nothing while that
 * table is empty, so processes opening a new H2 file together would apply the same migration twice:
 * there a lock within the JVM plus an OS file lock on {@code <database>.migration.lock} beside the
 * database file (an in-memory or remote H2 database gets the JVM lock only).
 */
final class MigrationLock implements AutoCloseable {
  /** "Cata": first key of the PostgreSQL advisory lock; the second is a hash of the schema. */
  private static final int PG_LOCK_KEY = 0x43617461;

  private static final Map<String, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

  private final ReentrantLock jvmLock;
  private final FileChannel file;
  private final FileLock fileLock;
  private final Connection pgConnection;
  private final HikariDataSource pool;

  private MigrationLock(
      ReentrantLock jvmLock,
      FileChannel file,
      FileLock fileLock,
      Connection pgConnection,
      HikariDataSource pool) {
    this.jvmLock = jvmLock;
    this.file = file;
    this.fileLock = fileLock;
    this.pgConnection = pgConnection;
    this.pool = pool;
  }

  /** Waits for and takes the migration lock of {@code db}. */
  static MigrationLock take(Database db, String jdbcUrl) throws SQLException, IOException {
    if (db.dialect() == Dialect.POSTGRESQL) {
      HikariDataSource pool = (HikariDataSource) db.dataSource();
      Connection c = pool.getConnection();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT pg_advisory_lock(?, hashtext(coalesce(current_schema(), '')))")) {
        ps.setInt(1, PG_LOCK_KEY);
        ps.execute();
        return new MigrationLock(null, null, null, c, pool);
      } catch (SQLException e) {
        c.close();
        throw e;
      }
    }
    Path h2File = h2File(jdbcUrl);
    ReentrantLock jvm =
        IN_JVM.computeIfAbsent(
            h2File == null ? jdbcUrl : h2File.toString(), k -> new ReentrantLock());
    jvm.lock();
    if (h2File == null) {
      return new MigrationLock(jvm, null, null, null, null);
    }
    FileChannel channel = null;
    try {
      Path lockFile = h2File.resolveSibling(h2File.getFileName() + ".migration.lock");
      Files.createDirectories(lockFile.getParent());
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      return new MigrationLock(jvm, channel, channel.lock(), null, null);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      jvm.unlock();
      throw e;
    }
  }

  /**
   * The database file of an H2 URL (without {@code .mv.db}), or null for an in-memory or remote
   * database.
   */
  static Path h2File(String jdbcUrl) {
    String spec = jdbcUrl.trim().substring("jdbc:h2:".length());
    int semicolon = spec.indexOf(';');
    if (semicolon >= 0) {
      spec = spec.substring(0, semicolon);
    }
    String lower = spec.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file:")) {
      spec = spec.substring("file:".length());
    } else if (lower.matches("^[a-z]{2,}:.*")) {
      return null; // mem:, tcp://, ssl://, zip: and the like: no file of ours to lock
    }
    if (spec.startsWith("~")) {
      spec = System.getProperty("user.home") + spec.substring(1);
    }
    if (spec.endsWith(".mv.db")) {
      spec = spec.substring(0, spec.length() - ".mv.db".length());
    }
    return Path.of(spec).toAbsolutePath().normalize();
  }

  @Override
  public void close() throws SQLException, IOException {
    if (pgConnection != null) {
      try (pgConnection;
          PreparedStatement ps =
              pgConnection.prepareStatement(
                  "SELECT pg_advisory_unlock(?, hashtext(coalesce(current_schema(), '')))")) {
        ps.setInt(1, PG_LOCK_KEY);
        ps.execute();
      } catch (SQLException e) {
        // a session lock lives as long as its connection: never hand that one out again
        pool.evictConnection(pgConnection);
        throw e;
      }
      return;
    }
    try {
      if (fileLock != null) {
        try (file) {
          fileLock.release();
        }
      }
    } finally {
      jvmLock.unlock();
    }
  }
}
