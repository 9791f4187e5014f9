package org.connectome.catalog;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog: runs, their progress and events, and the notifications those events send. Status
 * commands, progress bars and dashboards read it; the workflows' activities write it.
 *
 * <p>Works on an embedded H2 file ({@code jdbc:h2:file:/abs/path/catalog;AUTO_SERVER=TRUE}, so that
 * a second process can read it while a run is going, see {@link #h2FileUrl(Path)}) and on
 * PostgreSQL by JDBC URL. Opening migrates the catalog's tables (Flyway, history in {@code
 * catalog_flyway_history}); other modules' stores migrate theirs on the same {@link #database()}.
 * Thread-safe.
 */
public final class Catalog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Catalog.class);

  /** The catalog's tables. The runner before Flyway recorded them as its version 1. */
  static final Schema SCHEMA =
      new Schema(
          "catalog",
          "org/connectome/catalog/migrations",
          "catalog_flyway_history",
          Map.of(1, 1),
          Catalog.class.getClassLoader());

  /** Longer error messages and event messages are cut to this many characters. */
  public static final int MAX_TEXT_CHARS = Sql.MAX_TEXT_CHARS;

  private final Database db;
  private final int schemaVersion;
  private final RunStore runs;
  private final ProgressStore progress;
  private final EventStore events;
  private final NotificationOutbox notifications;

  private Catalog(Database db, int schemaVersion) {
    this.db = db;
    this.schemaVersion = schemaVersion;
    this.runs = new RunStore(db);
    this.progress = new ProgressStore(db);
    this.events = new EventStore(db);
    this.notifications = new NotificationOutbox(db);
  }

  /** Opens the catalog at a JDBC URL; user and password, if any, come from the URL. */
  public static Catalog open(String jdbcUrl) {
    return open(jdbcUrl, null, null, Clock.systemUTC());
  }

  public static Catalog open(String jdbcUrl, String user, String password) {
    return open(jdbcUrl, user, password, Clock.systemUTC());
  }

  /**
   * Opens the catalog, creating or migrating its tables.
   *
   * @param clock the application clock for every timestamp the catalog writes
   * @throws CatalogException when the database cannot be reached or its schema is not one this
   *     build can use; the message names the URL with any password masked
   */
  public static Catalog open(String jdbcUrl, String user, String password, Clock clock) {
    Database db = Database.open(jdbcUrl, user, password, clock);
    try {
      int version = db.migrate(SCHEMA);
      log.debug("opened catalog {} at schema version {}", db.where(), version);
      return new Catalog(db, version);
    } catch (RuntimeException e) {
      db.close();
      throw e;
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

  /** Runs: registration, spec, state. */
  public RunStore runs() {
    return runs;
  }

  /** Stages, steps and shards of runs, and the status assembled from them. */
  public ProgressStore progress() {
    return progress;
  }

  /** Events of runs, each with the notifications it sends. */
  public EventStore events() {
    return events;
  }

  /** Notifications waiting for delivery. */
  public NotificationOutbox notifications() {
    return notifications;
  }

  /** The database, for the stores of other modules (ingest) that keep their tables beside ours. */
  public Database database() {
    return db;
  }

  public Dialect dialect() {
    return db.dialect();
  }

  /** The version of the catalog's own tables. */
  public int schemaVersion() {
    return schemaVersion;
  }

  @Override
  public void close() {
    db.close();
  }

  @Override
  public String toString() {
    return "Catalog[" + db.where() + "]";
  }
}
