package org.connectome.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small versioned migration runner.
 *
 * <p>Migrations are class-path resources {@code <base>/V<n>__<description>.sql}; a file {@code
 * <base>/<dialect>/V<n>__<description>.sql} ({@code h2}, {@code postgresql}) replaces the common
 * file of the same version for that dialect. They are applied in version order, each in its own
 * transaction, and recorded in {@code catalog_schema_version (version, description, checksum,
 * applied_at)}. Opening is refused when an applied migration's checksum differs from this build's
 * file, when an applied version is unknown to this build, or when the database is newer than this
 * build.
 *
 * <p>Concurrent migrators are serialized: on PostgreSQL by {@code pg_advisory_xact_lock} (keyed by
 * the current schema) taken at the start of every migration transaction, after which the applied
 * versions are re-read; on H2 within one JVM by a lock, and across processes (H2 commits DDL
 * implicitly) by re-reading the version table when a migration fails and accepting a version
 * another migrator recorded meanwhile.
 */
final class MigrationRunner {
  private static final Logger log = LoggerFactory.getLogger(MigrationRunner.class);
  static final String VERSION_TABLE = "catalog_schema_version";
  private static final Pattern FILE = Pattern.compile("V([0-9]+)__([A-Za-z0-9_.\\-]+)\\.sql");

  /**
   * "Cata": first key of the PostgreSQL advisory lock; the second is a hash of the current schema.
   */
  private static final int PG_LOCK_KEY = 0x43617461;

  private static final Object H2_LOCK = new Object();

  /** A migration of this build. */
  record Migration(int version, String description, String resource, String sql, String checksum) {}

  /** A migration recorded in the database. */
  record Applied(int version, String description, String checksum) {}

  private final DataSource dataSource;
  private final Dialect dialect;
  private final String basePath;
  private final String where;
  private final Clock clock;

  MigrationRunner(
      DataSource dataSource, Dialect dialect, String basePath, String where, Clock clock) {
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.basePath =
        basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
    this.where = where;
    this.clock = clock;
  }

  /** Applies pending migrations and returns the schema version of the database. */
  int migrate() {
    List<Migration> known =
        load(
            Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader()
                : MigrationRunner.class.getClassLoader(),
            basePath,
            dialect);
    if (known.isEmpty()) {
      throw new CatalogException("no catalog migrations found on the class path under " + basePath);
    }
    try {
      Map<Integer, Applied> applied;
      try (Connection c = dataSource.getConnection()) {
        applied = readApplied(c, true);
      }
      if (applied != null) {
        validate(applied, known);
        if (known.stream().allMatch(m -> applied.containsKey(m.version()))) {
          return maxVersion(applied);
        }
      }
      if (dialect == Dialect.H2) {
        synchronized (H2_LOCK) {
          return applyPending(known);
        }
      }
      return applyPending(known);
    } catch (SQLException e) {
      throw new CatalogException(
          "cannot migrate catalog database " + where + ": " + e.getMessage(), e);
    }
  }

  private int applyPending(List<Migration> known) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        lock(c);
        try (Statement s = c.createStatement()) {
          s.execute(
              "CREATE TABLE IF NOT EXISTS "
                  + VERSION_TABLE
                  + " (version INTEGER NOT NULL PRIMARY KEY,"
                  + " description VARCHAR(200) NOT NULL, checksum VARCHAR(64) NOT NULL,"
                  + " applied_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        }
        c.commit();
        for (Migration m : known) {
          apply(c, m, known);
        }
        Map<Integer, Applied> applied = readApplied(c, false);
        c.commit();
        return maxVersion(applied);
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    }
  }

  private void apply(Connection c, Migration m, List<Migration> known) throws SQLException {
    lock(c);
    Map<Integer, Applied> applied = readApplied(c, false);
    validate(applied, known);
    if (applied.containsKey(m.version())) {
      c.commit();
      return;
    }
    try {
      try (Statement s = c.createStatement()) {
        for (String sql : splitStatements(m.sql())) {
          s.execute(sql);
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO "
                  + VERSION_TABLE
                  + " (version, description, checksum, applied_at) VALUES (?, ?, ?, ?)")) {
        ps.setInt(1, m.version());
        ps.setString(2, m.description());
        ps.setString(3, m.checksum());
        ps.setObject(
            4,
            OffsetDateTime.ofInstant(
                clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
        ps.executeUpdate();
      }
      c.commit();
      log.info("catalog {}: applied migration V{} ({})", where, m.version(), m.resource());
    } catch (SQLException e) {
      rollbackQuietly(c);
      if (dialect == Dialect.H2) {
        // H2 commits DDL implicitly, so no lock spans a migration: another process may be applying
        // it right now
        // (its tables exist, its version row not yet). Wait for that row rather than fail the
        // second opener.
        Applied other = awaitApplied(c, m.version(), H2_MIGRATION_WAIT);
        if (other != null && other.checksum().equals(m.checksum())) {
          return;
        }
      }
      throw new CatalogException(
          "catalog database "
              + where
              + ": migration "
              + m.resource()
              + " failed: "
              + e.getMessage(),
          e);
    }
  }

  /** How long a second H2 opener waits for the first to record a migration it is applying. */
  static final java.time.Duration H2_MIGRATION_WAIT = java.time.Duration.ofSeconds(30);

  /**
   * The version row of {@code version}, polled until it appears or {@code wait} has passed (then
   * null).
   */
  private static Applied awaitApplied(Connection c, int version, java.time.Duration wait)
      throws SQLException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      Applied a = readApplied(c, false).get(version);
      c.commit();
      if (a != null || System.nanoTime() > deadline) {
        return a;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  private void lock(Connection c) throws SQLException {
    if (dialect == Dialect.POSTGRESQL) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT pg_advisory_xact_lock(?, hashtext(coalesce(current_schema(), '')))")) {
        ps.setInt(1, PG_LOCK_KEY);
        ps.execute();
      }
    }
  }

  /**
   * The applied migrations, or null when the version table does not exist (only when {@code
   * mayBeMissing}).
   */
  static Map<Integer, Applied> readApplied(Connection c, boolean mayBeMissing) throws SQLException {
    Map<Integer, Applied> applied = new TreeMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT version, description, checksum FROM " + VERSION_TABLE)) {
      while (rs.next()) {
        applied.put(rs.getInt(1), new Applied(rs.getInt(1), rs.getString(2), rs.getString(3)));
      }
    } catch (SQLException e) {
      if (mayBeMissing && isMissingTable(e)) {
        return null;
      }
      throw e;
    }
    return applied;
  }

  private static boolean isMissingTable(SQLException e) {
    String state = e.getSQLState();
    // H2 answers 42103 ("not found (candidates are: ...)") while another session is creating the
    // very table
    return "42P01".equals(state)
        || "42S02".equals(state)
        || "42S04".equals(state)
        || "42102".equals(state)
        || "42103".equals(state)
        || "42104".equals(state)
        || e.getErrorCode() == 42102
        || e.getErrorCode() == 42103
        || e.getErrorCode() == 42104;
  }

  private void validate(Map<Integer, Applied> applied, List<Migration> known) {
    int maxKnown = known.get(known.size() - 1).version();
    int maxApplied = maxVersion(applied);
    if (maxApplied > maxKnown) {
      throw new CatalogException(
          "catalog database "
              + where
              + " has schema version "
              + maxApplied
              + ", newer than this build knows ("
              + maxKnown
              + "): use a newer build of the platform");
    }
    Map<Integer, Migration> byVersion = new TreeMap<>();
    known.forEach(m -> byVersion.put(m.version(), m));
    for (Applied a : applied.values()) {
      Migration m = byVersion.get(a.version());
      if (m == null) {
        throw new CatalogException(
            "catalog database "
                + where
                + " has migration V"
                + a.version()
                + " ("
                + a.description()
                + ") applied, which this build does not know");
      }
      if (!m.checksum().equals(a.checksum())) {
        throw new CatalogException(
            "catalog database "
                + where
                + ": migration V"
                + a.version()
                + " ("
                + a.description()
                + ") was applied with checksum "
                + a.checksum()
                + " but this build's "
                + m.resource()
                + " has checksum "
                + m.checksum()
                + "; an applied migration must never change (add a new V"
                + (maxKnown + 1)
                + " file instead)");
      }
    }
  }

  private static int maxVersion(Map<Integer, Applied> applied) {
    return applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the original failure matters more
    }
  }

  // ---- loading
  // ---------------------------------------------------------------------------------------------------

  /** This build's migrations for a dialect, in version order. */
  static List<Migration> load(ClassLoader loader, String basePath, Dialect dialect) {
    String base = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
    Map<Integer, String> common = new TreeMap<>();
    Map<Integer, String> specific = new TreeMap<>();
    for (String rel : listResources(loader, base)) {
      String[] parts = rel.split("/");
      Matcher m = FILE.matcher(parts[parts.length - 1]);
      if (!m.matches() || parts.length > 2) {
        continue;
      }
      int version = Integer.parseInt(m.group(1));
      Map<Integer, String> target;
      if (parts.length == 1) {
        target = common;
      } else if (parts[0].equals(dialect.resourceDir())) {
        target = specific;
      } else {
        continue;
      }
      String previous = target.put(version, rel);
      if (previous != null && !previous.equals(rel)) {
        throw new CatalogException(
            "two catalog migrations with version "
                + version
                + ": "
                + base
                + "/"
                + previous
                + " and "
                + base
                + "/"
                + rel);
      }
    }
    common.putAll(specific);
    List<Migration> out = new ArrayList<>();
    for (Map.Entry<Integer, String> e : common.entrySet()) {
      String rel = e.getValue();
      String resource = base + "/" + rel;
      String sql = readResource(loader, resource);
      Matcher m = FILE.matcher(rel.substring(rel.lastIndexOf('/') + 1));
      if (!m.matches()) {
        throw new IllegalStateException(rel);
      }
      out.add(
          new Migration(e.getKey(), m.group(2).replace('_', ' '), resource, sql, checksum(sql)));
    }
    out.sort(Comparator.comparingInt(Migration::version));
    return out;
  }

  static String checksum(String sql) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String readResource(ClassLoader loader, String resource) {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new CatalogException(
            "catalog migration " + resource + " not found on the class path");
      }
      String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (s.startsWith("\uFEFF")) {
        s = s.substring(1);
      }
      return s.replace("\r\n", "\n").replace('\r', '\n');
    } catch (IOException e) {
      throw new CatalogException(
          "cannot read catalog migration " + resource + ": " + e.getMessage(), e);
    }
  }

  /**
   * Paths relative to {@code base} of the files at most two levels below it, over all class-path
   * roots.
   */
  static Set<String> listResources(ClassLoader loader, String base) {
    Set<String> out = new LinkedHashSet<>();
    try {
      Enumeration<URL> roots = loader.getResources(base);
      while (roots.hasMoreElements()) {
        URL url = roots.nextElement();
        if ("file".equals(url.getProtocol())) {
          Path dir = Paths.get(url.toURI());
          try (Stream<Path> files = Files.walk(dir, 2)) {
            files
                .filter(Files::isRegularFile)
                .forEach(p -> out.add(dir.relativize(p).toString().replace('\\', '/')));
          }
        } else if ("jar".equals(url.getProtocol())) {
          URLConnection conn = url.openConnection();
          conn.setUseCaches(false);
          if (!(conn instanceof JarURLConnection jar)) {
            throw new CatalogException("cannot list catalog migrations at " + url);
          }
          try (JarFile file = jar.getJarFile()) {
            String prefix = base + "/";
            for (Enumeration<JarEntry> en = file.entries(); en.hasMoreElements(); ) {
              JarEntry e = en.nextElement();
              if (!e.isDirectory() && e.getName().startsWith(prefix)) {
                out.add(e.getName().substring(prefix.length()));
              }
            }
          }
        } else {
          throw new CatalogException(
              "cannot list catalog migrations at " + url + " (protocol " + url.getProtocol() + ")");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new CatalogException("cannot list catalog migrations: " + e.getMessage(), e);
    }
    return out;
  }

  // ---- SQL script splitting
  // --------------------------------------------------------------------------------------

  /**
   * Splits a script at semicolons outside of quotes ('...', "...", $tag$...$tag$) and comments (--
   * and /* *\/); comments are dropped, blank statements skipped.
   */
  static List<String> splitStatements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    int n = script.length();
    int i = 0;
    while (i < n) {
      char ch = script.charAt(i);
      if (ch == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
        while (i < n && script.charAt(i) != '\n') {
          i++;
        }
      } else if (ch == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
        int end = script.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        cur.append(' ');
      } else if (ch == '\'' || ch == '"') {
        int j = i + 1;
        while (j < n) {
          if (script.charAt(j) == ch) {
            if (j + 1 < n && script.charAt(j + 1) == ch) {
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        int end = Math.min(n, j + 1);
        cur.append(script, i, end);
        i = end;
      } else if (ch == '$' && dollarTag(script, i) != null) {
        String tag = dollarTag(script, i);
        int end = script.indexOf(tag, i + tag.length());
        end = end < 0 ? n : end + tag.length();
        cur.append(script, i, end);
        i = end;
      } else if (ch == ';') {
        addStatement(out, cur);
        i++;
      } else {
        cur.append(ch);
        i++;
      }
    }
    addStatement(out, cur);
    return out;
  }

  private static String dollarTag(String s, int i) {
    int j = i + 1;
    while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
      j++;
    }
    if (j < s.length()
        && s.charAt(j) == '$'
        && (j == i + 1 || !Character.isDigit(s.charAt(i + 1)))) {
      return s.substring(i, j + 1);
    }
    return null;
  }

  private static void addStatement(List<String> out, StringBuilder cur) {
    String sql = cur.toString().strip();
    if (!sql.isEmpty()) {
      out.add(sql);
    }
    cur.setLength(0);
  }
}
