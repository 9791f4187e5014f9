package org.connectome.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.connectome.acquisition.SectionFolder;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.Dialect;
import org.connectome.catalog.LegacyCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.JobExecution;

/** Ingest's own tables and history beside the catalog's, the same tests on H2 and PostgreSQL. */
abstract class IngestStoreContractTest {
  @TempDir Path dir;

  /** A JDBC URL of a new, empty database (or schema). */
  protected abstract String newDatabaseUrl();

  static List<String> history(Catalog catalog) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = catalog.database().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT \"version\", \"description\", \"type\" FROM \"ingest_flyway_history\""
                    + " WHERE \"type\" <> 'TABLE' ORDER BY \"installed_rank\"")) {
      while (rs.next()) {
        rows.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3));
      }
    }
    return rows;
  }

  static boolean tableExists(Catalog catalog, String table) {
    try (Connection c = catalog.database().dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.executeQuery("SELECT COUNT(*) FROM " + table).close();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  @Test
  void theStoreMigratesItsOwnTablesWithItsDialectsJobRepository() throws Exception {
    try (Catalog catalog = Catalog.open(newDatabaseUrl())) {
      assertFalse(tableExists(catalog, "ingest_tile"), "the catalog has no ingest tables");
      assertEquals(2, IngestStore.open(catalog).schemaVersion());
      assertEquals(2, IngestStore.open(catalog).schemaVersion());
      assertEquals(
          List.of(
              "0|the database held tables of other stores|BASELINE",
              "1|spring batch job repository|SQL",
              "2|ingest|SQL"),
          history(catalog));
      // Spring Batch's own schema per dialect: identity keys on H2, sequences only on PostgreSQL
      boolean h2 = catalog.dialect() == Dialect.H2;
      try (Connection c = catalog.database().dataSource().getConnection();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT is_identity FROM information_schema.columns WHERE table_name = '"
                      + (h2 ? "BATCH_JOB_INSTANCE" : "batch_job_instance")
                      + "' AND column_name = '"
                      + (h2 ? "JOB_INSTANCE_ID" : "job_instance_id")
                      + "'")) {
        assertTrue(rs.next());
        assertEquals(h2 ? "YES" : "NO", rs.getString(1));
      }
    }
  }

  @Test
  void aDatabaseTheRunnerBeforeFlywayWroteKeepsItsManifestAndIngestsOn() throws Exception {
    String url = newDatabaseUrl();
    LegacyCatalog.create(url, 3);
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO ingest_tile (run_id, section_index, section, mfov, beam, path, acquired,"
              + " stage_x, stage_y, stage_z, width, height, bytes, checksum)"
              + " VALUES ('s/old', 0, 1, 1, 1, '000001/t.bmp', 't', 1.5, 2.5, 0, 64, 48, 4000,"
              + " '0a1b2c3d')");
    }
    Path acquisition = dir.resolve("acq/sample_20210525_21-46-49");
    SectionFixture fixture = new SectionFixture(acquisition, 1);
    for (int beam = 1; beam <= 4; beam++) {
      fixture.tile(1, beam);
    }
    fixture.writeCoordinates(false);
    try (Catalog catalog = Catalog.open(url)) {
      IngestStore store = IngestStore.open(catalog);
      assertEquals(2, store.schemaVersion());
      assertEquals(List.of("2|adopted from catalog_schema_version|BASELINE"), history(catalog));
      assertFalse(
          tableExists(catalog, "catalog_schema_version"),
          "every store took its versions over: the old table is gone");
      IngestRepository repo = new IngestRepository(store);
      assertEquals(1, repo.tileCount("s/old", 0), "the old manifest is kept");

      // the old job repository's tables run a section's job
      IngestBatch batch = new IngestBatch(store);
      SectionFolder section = SectionFolder.list(acquisition).get(0);
      JobExecution e =
          batch.run(
              new SectionIngestJob(
                      batch,
                      repo,
                      IngestJobContractTest.metrics(),
                      IngestJobContractTest.RUN,
                      "s",
                      section,
                      IngestParams.of(Map.of()),
                      Files.createDirectories(dir.resolve("work")))
                  .build(),
              IngestJobContractTest.params(section));
      assertEquals(
          BatchStatus.COMPLETED, e.getStatus(), String.valueOf(e.getAllFailureExceptions()));
      assertEquals(4, repo.tileCount(IngestJobContractTest.RUN, 0));
    }
  }
}
