package org.connectome.catalog;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateOutput;
import org.flywaydb.core.api.output.ValidateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one store's tables to this build's version with Flyway, under the database's {@link
 * MigrationLock}: adopts a database the runner before Flyway wrote, refuses a database newer than
 * this build or whose applied migrations changed, and applies what is pending.
 */
final class Migrator {
  private static final Logger log = LoggerFactory.getLogger(Migrator.class);

  /** The history table of the migration runner before Flyway, and the versions it knew. */
  static final String LEGACY_TABLE = "catalog_schema_version";

  static final int LEGACY_LATEST = 3;

  private final Database db;
  private final Schema schema;

  Migrator(Database db, Schema schema) {
    this.db = db;
    this.schema = schema;
  }

  int migrate() {
    long deadline = System.nanoTime() + Database.H2_OPEN_WAIT.toNanos();
    while (true) {
      try {
        return migrateOnce();
      } catch (CatalogException e) {
        // the process serving an H2 file exited and another takes it over: statements failed
        // meanwhile. Every step below starts by reading what is done, so doing it again is safe.
        if (!db.sharesH2File() || !Database.isH2Handover(e) || System.nanoTime() > deadline) {
          throw e;
        }
        db.evictConnections();
        Database.sleep(200, "migrating catalog database " + db.where());
      }
    }
  }

  private int migrateOnce() {
    try (MigrationLock lock = MigrationLock.take(db, db.where())) {
      adoptLegacy();
      Flyway flyway = flyway("0");
      MigrationInfo[] all = flyway.info().all();
      int latest = latestKnown(all);
      boolean pending = false;
      for (MigrationInfo m : all) {
        pending |= m.getState() == MigrationState.PENDING;
        if (isFuture(m)) {
          throw new CatalogException(
              "catalog database "
                  + db.where()
                  + " has "
                  + schema.name()
                  + " schema version "
                  + m.getVersion()
                  + ", newer than this build knows ("
                  + latest
                  + "): use a newer build of the platform");
        }
      }
      ValidateResult validation = flyway.validateWithResult();
      if (!validation.validationSuccessful) {
        throw invalid(validation, latest);
      }
      if (!pending) {
        return latest; // the usual open: a migrate would only read the history once more
      }
      MigrateResult result = flyway.migrate();
      for (MigrateOutput m : result.migrations) {
        log.info(
            "catalog {}: {} schema: applied V{} ({})",
            db.where(),
            schema.name(),
            m.version,
            m.filepath.substring(m.filepath.lastIndexOf('/') + 1));
      }
      return latest;
    } catch (FlywayException e) {
      throw new CatalogException(
          "cannot migrate the "
              + schema.name()
              + " schema of catalog database "
              + db.where()
              + ": "
              + Database.mask(e.getMessage()),
          e);
    } catch (SQLException | IOException e) {
      throw new CatalogException(
          "cannot migrate the "
              + schema.name()
              + " schema of catalog database "
              + db.where()
              + ": "
              + Database.mask(Database.rootMessage(e)),
          e);
    }
  }

  /** The highest version of this build's migrations (and of a baseline), for messages. */
  private static int latestKnown(MigrationInfo[] all) {
    int latest = 0;
    for (MigrationInfo m : all) {
      if (m.getVersion() != null && !isFuture(m)) {
        latest = Math.max(latest, Integer.parseInt(m.getVersion().getVersion()));
      }
    }
    return latest;
  }

  private static boolean isFuture(MigrationInfo m) {
    return m.getState() == MigrationState.FUTURE_SUCCESS
        || m.getState() == MigrationState.FUTURE_FAILED;
  }

  private CatalogException invalid(ValidateResult v, int latest) {
    List<String> problems = new ArrayList<>();
    for (ValidateOutput m : v.invalidMigrations) {
      String detail = m.errorDetails.errorMessage.strip();
      int hint = detail.indexOf("\nEither revert");
      detail = (hint < 0 ? detail : detail.substring(0, hint)).replace("\n", "; ");
      if (m.errorDetails.errorCode == CoreErrorCode.CHECKSUM_MISMATCH) {
        problems.add(
            "migration V"
                + m.version
                + " ("
                + m.description
                + ") was applied with another content than this build's "
                + m.filepath
                + " ("
                + detail
                + "); an applied migration must never change (add a new V"
                + (latest + 1)
                + " file instead)");
      } else {
        problems.add(
            "migration V" + m.version + " (" + m.description + ", " + m.filepath + "): " + detail);
      }
    }
    if (problems.isEmpty() && v.errorDetails != null) {
      problems.add(v.errorDetails.errorMessage);
    }
    return new CatalogException(
        "catalog database "
            + db.where()
            + ", "
            + schema.name()
            + " schema: "
            + Database.mask(String.join("; ", problems)));
  }

  private Flyway flyway(String baselineVersion) {
    String base = schema.location();
    List<String> locations = new ArrayList<>(List.of("classpath:" + base + "/common"));
    String dialectDir = base + "/" + db.dialect().resourceDir();
    if (schema.loader().getResource(dialectDir) != null) {
      locations.add("classpath:" + dialectDir);
    }
    return Flyway.configure(schema.loader())
        .dataSource(db.dataSource())
        .locations(locations.toArray(String[]::new))
        .table(schema.historyTable())
        // the stores share one database: a store's first migration may meet another's tables
        .baselineOnMigrate(true)
        .baselineVersion(baselineVersion)
        .baselineDescription(
            baselineVersion.equals("0")
                ? "the database held tables of other stores"
                : "adopted from " + LEGACY_TABLE)
        .ignoreMigrationPatterns("*:pending")
        .validateMigrationNaming(true)
        .loggers(FlywayLog.class.getName())
        .load();
  }

  /**
   * A database the migration runner before Flyway wrote has this store's tables at the versions its
   * table {@code catalog_schema_version} lists: this store's history starts at the matching version
   * (a Flyway baseline), and the rows taken over leave that table, which goes when empty.
   */
  private void adoptLegacy() throws SQLException {
    Map<Integer, String> legacy = legacyVersions();
    if (legacy == null) {
      return;
    }
    for (Map.Entry<Integer, String> e : legacy.entrySet()) {
      if (e.getKey() < 1 || e.getKey() > LEGACY_LATEST) {
        throw new CatalogException(
            "catalog database "
                + db.where()
                + " has schema version "
                + e.getKey()
                + " ("
                + e.getValue()
                + ") in "
                + LEGACY_TABLE
                + ", newer than this build knows ("
                + LEGACY_LATEST
                + "): use a newer build of the platform");
      }
    }
    List<Integer> mine = new ArrayList<>();
    int baseline = 0;
    for (Integer v : legacy.keySet()) {
      Integer own = schema.legacyVersions().get(v);
      if (own != null) {
        mine.add(v);
        baseline = Math.max(baseline, own);
      }
    }
    if (mine.isEmpty()) {
      return;
    }
    if (!tableExists(schema.historyTable())) {
      flyway(Integer.toString(baseline)).baseline();
      log.info(
          "catalog {}: {} schema adopted at version {} from {}",
          db.where(),
          schema.name(),
          baseline,
          LEGACY_TABLE);
    }
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      for (Integer v : mine) {
        s.executeUpdate("DELETE FROM " + LEGACY_TABLE + " WHERE version = " + v);
      }
      if (legacy.size() == mine.size()) {
        s.execute("DROP TABLE " + LEGACY_TABLE);
      }
    }
  }

  /** The rows of the legacy version table (version to description), or null without it. */
  private Map<Integer, String> legacyVersions() throws SQLException {
    if (!tableExists(LEGACY_TABLE)) {
      return null;
    }
    Map<Integer, String> rows = new TreeMap<>();
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version, description FROM " + LEGACY_TABLE)) {
      while (rs.next()) {
        rows.put(rs.getInt(1), rs.getString(2));
      }
    }
    return rows;
  }

  /**
   * Whether a table is in the current schema, asked of the JDBC metadata: a failing probe query
   * would land in H2's trace file on every open.
   */
  private boolean tableExists(String name) throws SQLException {
    try (Connection c = db.dataSource().getConnection()) {
      DatabaseMetaData md = c.getMetaData();
      String escape = md.getSearchStringEscape();
      // quoted names keep their case; unquoted ones are upper case in H2, lower case in PostgreSQL
      for (String candidate : List.of(name, name.toUpperCase(Locale.ROOT))) {
        try (ResultSet rs =
            md.getTables(null, c.getSchema(), candidate.replace("_", escape + "_"), null)) {
          if (rs.next()) {
            return true;
          }
        }
      }
      return false;
    }
  }
}
