package org.connectome.ingest;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The tile manifest, quarantine and section summaries in the ingest store. Writes join the Spring
 * Batch chunk transaction when there is one (JdbcTemplate binds to the transaction's connection),
 * so a chunk's manifest rows, its quarantined tiles and the reader's restart position commit
 * together or not at all.
 */
public final class IngestRepository {
  private final JdbcTemplate jdbc;

  public IngestRepository(IngestStore store) {
    this.jdbc = new JdbcTemplate(store.dataSource());
  }

  JdbcTemplate jdbc() {
    return jdbc;
  }

  static final String INSERT_TILE =
      "INSERT INTO ingest_tile (run_id, section_index, section, mfov, beam, path, "
          + "acquired, stage_x, stage_y, stage_z, width, height, bytes, checksum, thumbnail_path) VALUES (:runId, "
          + ":sectionIndex, :section, :mfov, :beam, :path, :acquired, :x, :y, :z, :width, :height, :bytes, :checksum, "
          + ":thumbnail)";

  /** Forgets a section's rows, before it is ingested afresh under new parameters. */
  public void clearSection(String runId, int sectionIndex) {
    jdbc.update(
        "DELETE FROM ingest_tile WHERE run_id = ? AND section_index = ?", runId, sectionIndex);
    jdbc.update(
        "DELETE FROM ingest_quarantine WHERE run_id = ? AND section_index = ?",
        runId,
        sectionIndex);
    jdbc.update(
        "DELETE FROM ingest_section WHERE run_id = ? AND section_index = ?", runId, sectionIndex);
  }

  public void quarantine(
      String runId,
      int sectionIndex,
      String path,
      Integer mfov,
      Integer beam,
      BadTileReason reason,
      String detail) {
    int n =
        jdbc.update(
            "UPDATE ingest_quarantine SET reason = ?, detail = ?, mfov = ?, beam = ? WHERE run_id = ? AND "
                + "section_index = ? AND path = ?",
            reason.code(),
            detail,
            mfov,
            beam,
            runId,
            sectionIndex,
            path);
    if (n == 0) {
      jdbc.update(
          "INSERT INTO ingest_quarantine (run_id, section_index, path, mfov, beam, reason, detail, detected_at) "
              + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          runId,
          sectionIndex,
          path,
          mfov,
          beam,
          reason.code(),
          detail,
          Timestamp.from(Instant.now()));
    }
  }

  /** One quarantined tile. */
  public record Quarantined(
      int sectionIndex, String path, Integer mfov, Integer beam, String reason, String detail) {}

  public List<Quarantined> quarantined(String runId, int sectionIndex) {
    return jdbc.query(
        "SELECT section_index, path, mfov, beam, reason, detail FROM ingest_quarantine WHERE run_id = ? "
            + "AND section_index = ? ORDER BY path",
        (rs, i) ->
            new Quarantined(
                rs.getInt(1),
                rs.getString(2),
                (Integer) rs.getObject(3),
                (Integer) rs.getObject(4),
                rs.getString(5),
                rs.getString(6)),
        runId,
        sectionIndex);
  }

  /** Quarantined tiles of a run by reason (superseded tiles are listed too; they are not bad). */
  public List<Quarantined> quarantinedInRun(String runId, int limit) {
    return jdbc
        .query(
            "SELECT section_index, path, mfov, beam, reason, detail FROM ingest_quarantine WHERE run_id = ? "
                + "ORDER BY section_index, path",
            (rs, i) ->
                new Quarantined(
                    rs.getInt(1),
                    rs.getString(2),
                    (Integer) rs.getObject(3),
                    (Integer) rs.getObject(4),
                    rs.getString(5),
                    rs.getString(6)),
            runId)
        .stream()
        .limit(limit)
        .toList();
  }

  public long tileCount(String runId, int sectionIndex) {
    Long n =
        jdbc.queryForObject(
            "SELECT COUNT(*) FROM ingest_tile WHERE run_id = ? AND section_index = ?",
            Long.class,
            runId,
            sectionIndex);
    return n == null ? 0 : n;
  }

  /** The summary of one ingested (or failed) section. */
  public record SectionSummary(
      int sectionIndex,
      int section,
      String folder,
      String state,
      int listed,
      int ingested,
      int quarantined,
      int superseded,
      long bytes,
      String report) {}

  public void saveSection(String runId, SectionSummary s) {
    Timestamp now = Timestamp.from(Instant.now());
    int n =
        jdbc.update(
            "UPDATE ingest_section SET section = ?, folder = ?, state = ?, tiles_listed = ?, "
                + "tiles_ingested = ?, tiles_quarantined = ?, tiles_superseded = ?, bytes = ?, report = ?, updated_at = ? "
                + "WHERE run_id = ? AND section_index = ?",
            s.section(),
            s.folder(),
            s.state(),
            s.listed(),
            s.ingested(),
            s.quarantined(),
            s.superseded(),
            s.bytes(),
            s.report(),
            now,
            runId,
            s.sectionIndex());
    if (n == 0) {
      jdbc.update(
          "INSERT INTO ingest_section (run_id, section_index, section, folder, state, tiles_listed, "
              + "tiles_ingested, tiles_quarantined, tiles_superseded, bytes, report, updated_at) VALUES "
              + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          runId,
          s.sectionIndex(),
          s.section(),
          s.folder(),
          s.state(),
          s.listed(),
          s.ingested(),
          s.quarantined(),
          s.superseded(),
          s.bytes(),
          s.report(),
          now);
    }
  }

  public List<SectionSummary> sections(String runId) {
    return jdbc.query(
        "SELECT section_index, section, folder, state, tiles_listed, tiles_ingested, tiles_quarantined, "
            + "tiles_superseded, bytes, report FROM ingest_section WHERE run_id = ? ORDER BY section_index",
        (rs, i) ->
            new SectionSummary(
                rs.getInt(1),
                rs.getInt(2),
                rs.getString(3),
                rs.getString(4),
                rs.getInt(5),
                rs.getInt(6),
                rs.getInt(7),
                rs.getInt(8),
                rs.getLong(9),
                rs.getString(10)),
        runId);
  }
}
