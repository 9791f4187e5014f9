package org.connectome.ingest;

import java.util.Map;
import javax.sql.DataSource;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.Schema;

/**
 * Ingest's tables in the catalog's database: Spring Batch's job repository, the tile manifest,
 * quarantined tiles and section summaries. They have their own migrations ({@code
 * org/connectome/ingest/migrations}, history in {@code ingest_flyway_history}), so the catalog
 * knows nothing of them.
 */
public final class IngestStore {
  /**
   * Ingest's tables; the runner before Flyway recorded the job repository as its version 2 and the
   * manifest as its version 3, in the catalog's version table.
   */
  static final Schema SCHEMA =
      new Schema(
          "ingest",
          "org/connectome/ingest/migrations",
          "ingest_flyway_history",
          Map.of(2, 1, 3, 2),
          IngestStore.class.getClassLoader());

  private final DataSource dataSource;
  private final int schemaVersion;

  private IngestStore(DataSource dataSource, int schemaVersion) {
    this.dataSource = dataSource;
    this.schemaVersion = schemaVersion;
  }

  /**
   * Opens ingest's tables in {@code catalog}'s database, creating or migrating them.
   *
   * @throws org.connectome.catalog.CatalogException when they are not ones this build can use
   */
  public static IngestStore open(Catalog catalog) {
    return new IngestStore(catalog.database().dataSource(), catalog.database().migrate(SCHEMA));
  }

  /** The version of ingest's tables. */
  public int schemaVersion() {
    return schemaVersion;
  }

  /** The pooled connections Spring Batch and the manifest's statements run on. */
  DataSource dataSource() {
    return dataSource;
  }
}
