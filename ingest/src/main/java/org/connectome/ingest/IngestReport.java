package org.connectome.ingest;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ingest summary people see after a run and in {@code status}: what was ingested and what was
 * quarantined.
 */
public final class IngestReport {
  private IngestReport() {}

  /**
   * The summary of a run's ingest, or null when the run ingested nothing with the reference ingest.
   */
  public static String of(IngestStore store, String runId, int maxTiles) {
    IngestRepository repo = new IngestRepository(store);
    List<IngestRepository.SectionSummary> sections = repo.sections(runId);
    if (sections.isEmpty()) {
      return null;
    }
    long tiles = 0;
    long bytes = 0;
    long superseded = 0;
    int failed = 0;
    for (IngestRepository.SectionSummary s : sections) {
      tiles += s.ingested();
      bytes += s.bytes();
      superseded += s.superseded();
      if (s.state().equals("FAILED")) {
        failed++;
      }
    }
    List<IngestRepository.Quarantined> all = repo.quarantinedInRun(runId, Integer.MAX_VALUE);
    Map<String, Integer> byReason = new TreeMap<>();
    for (IngestRepository.Quarantined q : all) {
      if (!BadTileReason.NOT_BAD.contains(q.reason())) {
        byReason.merge(q.reason(), 1, Integer::sum);
      }
    }
    int bad = byReason.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder b =
        new StringBuilder("ingest: ")
            .append(sections.size())
            .append(" sections")
            .append(failed > 0 ? " (" + failed + " failed)" : "")
            .append(", ")
            .append(tiles)
            .append(" tiles (")
            .append(String.format("%.1f MB", bytes / 1e6))
            .append("), ")
            .append(bad)
            .append(" quarantined");
    if (!byReason.isEmpty()) {
      b.append(' ')
          .append(byReason.toString().replace('{', '(').replace('}', ')').replace("=", ": "));
    }
    if (superseded > 0) {
      b.append(", ").append(superseded).append(" re-imaged tiles superseded by newer acquisitions");
    }
    long duplicates =
        all.stream().filter(q -> q.reason().equals(BadTileReason.DUPLICATE.code())).count();
    if (duplicates > 0) {
      b.append(", ").append(duplicates).append(" duplicate coordinate lines ignored");
    }
    int shown = 0;
    for (IngestRepository.Quarantined q : all) {
      if (BadTileReason.NOT_BAD.contains(q.reason())) {
        continue;
      }
      if (shown++ == maxTiles) {
        b.append("\n  ... and ")
            .append(bad - maxTiles)
            .append(" more (connectome status ")
            .append(runId)
            .append(" --json, or the catalog table ingest_quarantine)");
        break;
      }
      String folder =
          sections.stream()
              .filter(s -> s.sectionIndex() == q.sectionIndex())
              .findFirst()
              .map(s -> java.nio.file.Path.of(s.folder()).getFileName().toString())
              .orElse("section " + q.sectionIndex());
      b.append("\n  ")
          .append(folder)
          .append('/')
          .append(q.path())
          .append(": ")
          .append(q.reason())
          .append(" (")
          .append(q.detail())
          .append(')');
    }
    return b.toString();
  }
}
