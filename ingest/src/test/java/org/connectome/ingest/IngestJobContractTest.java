package org.connectome.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.connectome.acquisition.SectionFolder;
import org.connectome.catalog.Catalog;
import org.connectome.layout.StepLayout;
import org.connectome.markers.MarkerStore;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskExitCodes;
import org.connectome.tasks.TaskInvocation;
import org.connectome.tasks.TaskRunner;
import org.connectome.units.Grouping;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.JobParameters;
import org.springframework.batch.core.JobParametersBuilder;
import org.springframework.batch.core.StepExecution;

/** Ingest of real-layout sections, the same tests on H2 and PostgreSQL. */
abstract class IngestJobContractTest {
  static final String RUN = "s/r";
  private static IngestMetrics metrics;

  @TempDir Path dir;
  String url;
  Catalog catalog;
  IngestBatch batch;
  IngestRepository repo;
  Path acquisition;

  protected abstract String newDatabaseUrl();

  static synchronized IngestMetrics metrics() {
    if (metrics == null) {
      metrics = new IngestMetrics(new PrometheusRegistry());
    }
    return metrics;
  }

  static JobParameters params(SectionFolder section) {
    return new JobParametersBuilder()
        .addString("runId", RUN)
        .addLong("sectionIndex", (long) section.index())
        .addString("paramsHash", "h1")
        .toJobParameters();
  }

  @BeforeEach
  void open() throws Exception {
    url = newDatabaseUrl();
    catalog = Catalog.open(url);
    IngestStore store = IngestStore.open(catalog);
    batch = new IngestBatch(store);
    repo = new IngestRepository(store);
    acquisition = dir.resolve("acq/sample_20210525_21-46-49");
    Files.createDirectories(acquisition);
  }

  @AfterEach
  void close() {
    catalog.close();
  }

  /** 10 good tiles, a re-imaged one, and one of each fault; returns the fixture. */
  SectionFixture faultySection(int sequence) throws Exception {
    SectionFixture s = new SectionFixture(acquisition, sequence);
    for (int beam = 1; beam <= 10; beam++) {
      s.tile(1, beam);
    }
    s.reimaged(2, 1);
    s.missing(2, 2);
    s.truncated(2, 3);
    s.corrupt(2, 4);
    s.tile(2, 5, s.timestamp(), 32, 48); // wrong size
    s.writeCoordinates(true);
    return s;
  }

  SectionIngestJob job(SectionFolder section, Map<String, Object> params) {
    return new SectionIngestJob(
        batch,
        repo,
        metrics(),
        RUN,
        "s",
        section,
        IngestParams.of(params),
        dir.resolve("work").resolve(section.name()));
  }

  @Test
  void ingestsGoodTilesAndQuarantinesBadOnesWithReasons() throws Exception {
    faultySection(1);
    SectionFolder section = SectionFolder.list(acquisition).get(0);
    JobExecution e =
        batch.run(job(section, Map.of("maxBadTiles", 10, "chunkSize", 4)).build(), params(section));
    assertEquals(BatchStatus.COMPLETED, e.getStatus(), String.valueOf(e.getAllFailureExceptions()));
    assertEquals(11, repo.tileCount(RUN, 0), "10 good tiles and the newest of the re-imaged one");
    Map<String, Integer> reasons = new TreeMap<>();
    for (var q : repo.quarantined(RUN, 0)) {
      reasons.merge(q.reason(), 1, Integer::sum);
    }
    assertEquals(
        Map.of(
            "bad_coordinates",
            1,
            "missing",
            1,
            "superseded",
            1,
            "truncated",
            1,
            "unreadable",
            1,
            "wrong_size",
            1),
        reasons);
    List<String> checksums =
        repo.jdbc()
            .queryForList("SELECT checksum FROM ingest_tile WHERE run_id = ?", String.class, RUN);
    assertTrue(checksums.stream().allMatch(c -> c.matches("[0-9a-f]{8}")), checksums.toString());
    var summary = repo.sections(RUN).get(0);
    assertEquals("INGESTED", summary.state());
    assertEquals(
        16,
        summary.listed(),
        "15 tile lines besides the superseded one, and the line naming no tile");
    assertEquals(11, summary.ingested());
    assertEquals(5, summary.quarantined());
    assertEquals(1, summary.superseded());
    assertTrue(summary.report().contains("5 tiles quarantined"), summary.report());
    assertTrue(summary.report().contains("truncated"), summary.report());
    Integer width =
        repo.jdbc()
            .queryForObject(
                "SELECT width FROM ingest_tile WHERE run_id = ? AND mfov = 1 AND " + "beam = 3",
                Integer.class,
                RUN);
    assertEquals(64, width);
  }

  @Test
  void aSectionBeyondItsBadTileLimitFailsForGoodWithAReportListingTheTiles() throws Exception {
    faultySection(1);
    StepLayout layout = stepLayout(Map.of("maxBadTiles", 2));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    TaskRunner.Result r =
        new TaskRunner(
                Clock.systemUTC(),
                new PrintStream(log, true, StandardCharsets.UTF_8),
                (def, l) -> new IngestUnitRunner(batch, repo, metrics(), def, l))
            .run(new TaskInvocation(layout.dir(), 0, 1, "h"));
    assertEquals(
        TaskExitCodes.UNITS_FAILED_PERMANENTLY, r.exitCode(), log.toString(StandardCharsets.UTF_8));
    String error = r.report().failures().get(0).error();
    assertTrue(error.contains("more bad tiles than allowed"), error);
    assertTrue(error.contains("missing"), error);
    assertFalse(r.report().failures().get(0).retryable());
    assertFalse(new MarkerStore(layout.markersDir()).isDone(0, "h1"));
    assertEquals("FAILED", repo.sections(RUN).get(0).state());
  }

  @Test
  void belowTheLimitTheUnitIsDoneAndMarked() throws Exception {
    faultySection(1);
    StepLayout layout = stepLayout(Map.of("maxBadTileFraction", 0.5));
    TaskRunner.Result r =
        new TaskRunner(
                Clock.systemUTC(),
                new PrintStream(new ByteArrayOutputStream()),
                (def, l) -> new IngestUnitRunner(batch, repo, metrics(), def, l))
            .run(new TaskInvocation(layout.dir(), 0, 1, "h"));
    assertEquals(TaskExitCodes.OK, r.exitCode());
    assertTrue(new MarkerStore(layout.markersDir()).isDone(0, "h1"));
    List<String> manifest =
        Files.readAllLines(
            layout
                .outputDir()
                .resolve("sections/001_S1R1")
                .resolve(SectionIngestJob.MANIFEST_FILE));
    assertEquals(
        12, manifest.size(), "a header and the 11 ingested tiles, for the stitching tasks");
    assertTrue(manifest.get(1).startsWith("1\t1\t"), manifest.get(1));
    // run again: the marker says done, nothing is read or written twice
    TaskRunner.Result again =
        new TaskRunner(
                Clock.systemUTC(),
                new PrintStream(new ByteArrayOutputStream()),
                (def, l) -> new IngestUnitRunner(batch, repo, metrics(), def, l))
            .run(new TaskInvocation(layout.dir(), 0, 2, "h"));
    assertEquals(1, again.report().unitsSkipped());
    assertEquals(11, repo.tileCount(RUN, 0));

    // the run folder's outputs removed (markers and manifest) while the catalog kept the finished
    // job: the unit
    // runs, Spring Batch refuses the complete job instance, and the manifest comes back from the
    // catalog's rows
    Path file =
        layout.outputDir().resolve("sections/001_S1R1").resolve(SectionIngestJob.MANIFEST_FILE);
    Files.delete(file);
    try (var markers = Files.walk(layout.markersDir())) {
      for (Path m : markers.filter(Files::isRegularFile).toList()) {
        Files.delete(m);
      }
    }
    TaskRunner.Result rerun =
        new TaskRunner(
                Clock.systemUTC(),
                new PrintStream(new ByteArrayOutputStream()),
                (def, l) -> new IngestUnitRunner(batch, repo, metrics(), def, l))
            .run(new TaskInvocation(layout.dir(), 0, 3, "h"));
    assertEquals(TaskExitCodes.OK, rerun.exitCode());
    assertEquals(manifest, Files.readAllLines(file));
    assertEquals(11, repo.tileCount(RUN, 0));
  }

  @Test
  void sectionsWithoutACoordinateFileFailWithAClearError() throws Exception {
    SectionFixture thumbsOnly = new SectionFixture(acquisition, 1);
    Path mfov = thumbsOnly.section.resolve("000001");
    Files.createDirectories(mfov);
    Files.write(
        mfov.resolve("thumbnail_001_000001_001_2021-05-25T2146490000001.bmp"), new byte[10]);
    new SectionFixture(acquisition, 2);
    StepLayout layout = stepLayout(Map.of(), 2);
    TaskRunner.Result r =
        new TaskRunner(
                Clock.systemUTC(),
                new PrintStream(new ByteArrayOutputStream()),
                (def, l) -> new IngestUnitRunner(batch, repo, metrics(), def, l))
            .run(new TaskInvocation(layout.dir(), 0, 1, "h"));
    assertEquals(TaskExitCodes.UNITS_FAILED_PERMANENTLY, r.exitCode());
    assertEquals(2, r.report().failures().size(), r.report().toString());
    assertTrue(
        r.report()
            .failures()
            .get(0)
            .error()
            .contains("001_S1R1 has no full_image_coordinates.txt and holds " + "thumbnails only"),
        r.report().failures().get(0).error());
    assertTrue(
        r.report().failures().get(1).error().contains("002_S2R1 has no full_image_coordinates.txt"),
        r.report().failures().get(1).error());
  }

  @Test
  void aWorkerKilledMidSectionRestartsFromTheLastCommittedChunkWithoutDuplicateRows()
      throws Exception {
    SectionFixture s = new SectionFixture(acquisition, 1);
    for (int beam = 1; beam <= 20; beam++) {
      s.tile(1, beam);
    }
    s.missing(1, 21);
    s.writeCoordinates(false);
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CrashingIngestMain.class.getName(),
                url,
                acquisition.toString(),
                dir.resolve("work/001_S1R1").toString(),
                "3")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(
        CrashingIngestMain.EXIT, p.exitValue(), Files.readString(dir.resolve("child.log")));
    assertEquals(9, repo.tileCount(RUN, 0), "three chunks of three committed before the crash");
    SectionFolder section = SectionFolder.list(acquisition).get(0);
    JobExecution dead =
        batch.repository().getLastJobExecution(SectionIngestJob.JOB_NAME, params(section));
    assertNotNull(dead);
    assertTrue(dead.isRunning(), "the dead worker left its execution marked running");

    JobExecution e =
        batch.run(job(section, Map.of("chunkSize", 3, "maxBadTiles", 5)).build(), params(section));
    assertEquals(BatchStatus.COMPLETED, e.getStatus(), String.valueOf(e.getAllFailureExceptions()));
    assertEquals(20, repo.tileCount(RUN, 0));
    Long distinct =
        repo.jdbc()
            .queryForObject(
                "SELECT COUNT(*) FROM (SELECT DISTINCT mfov, beam FROM ingest_tile "
                    + "WHERE run_id = ?) t",
                Long.class,
                RUN);
    assertEquals(20L, distinct);
    StepExecution tiles =
        e.getStepExecutions().stream()
            .filter(x -> x.getStepName().equals("tiles"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        12, tiles.getReadCount(), "the restart read only what was not committed (21 listed - 9)");
    assertFalse(
        e.getStepExecutions().stream().anyMatch(x -> x.getStepName().equals("resolve")),
        "the completed resolve step is not run again");
    assertEquals(1, repo.quarantined(RUN, 0).size());
    assertThrows(
        Exception.class,
        () ->
            repo.jdbc()
                .update(
                    "INSERT INTO ingest_tile (run_id, section_index, section, "
                        + "mfov, beam, path, acquired, stage_x, stage_y, stage_z, width, height, bytes, checksum) VALUES "
                        + "(?, 0, 1, 1, 1, 'p', 't', 0, 0, 0, 1, 1, 1, 'c')",
                    RUN),
        "the key refuses a second row for a tile");
  }

  /**
   * Lines a section's coordinate file should not hold, and files that are not tiles: each is
   * quarantined with its own reason, none is opened when it is not a regular file, and a duplicate
   * line is a duplicate, not a re-imaged tile.
   */
  @Test
  @Timeout(120)
  void untrustworthyLinesAndFilesAreQuarantinedWithTheirReasons() throws Exception {
    SectionFixture s = new SectionFixture(acquisition, 1);
    new SectionFixture(acquisition, 2).tile(1, 3);
    for (int beam = 1; beam <= 6; beam++) {
      s.tile(1, beam);
    }
    s.list("..\\002_S2R1\\000001\\" + "002_000001_003_2021-05-25T2146490000001.bmp", 1, 2);
    s.list("000001\\" + "002_000001_004_2021-05-25T2146490000002.bmp", 1, 2);
    Path nan = s.tile(1, 7);
    s.list("000001\\" + nan.getFileName(), Double.NaN, 5);
    Path fifo = s.section.resolve("000001").resolve(s.name(1, 8, s.timestamp()));
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assumeTrue(mkfifo.waitFor() == 0, "mkfifo is needed to make a FIFO");
    s.list("000001\\" + fifo.getFileName(), 1, 2);
    s.writeCoordinates(false);
    // the first tile's line once more, word for word
    Path coordinates = s.section.resolve("full_image_coordinates.txt");
    String first = Files.readAllLines(coordinates).get(0);
    Files.writeString(coordinates, first + "\r\n", StandardOpenOption.APPEND);
    // the tile of line 7 (NaN) has no second line: only its NaN line names it
    List<String> lines = new ArrayList<>(Files.readAllLines(coordinates));
    lines.removeIf(l -> l.startsWith("000001\\" + nan.getFileName()) && !l.contains("NaN"));
    Files.write(coordinates, lines);

    SectionFolder section = SectionFolder.list(acquisition).get(0);
    JobExecution e = batch.run(job(section, Map.of("maxBadTiles", 10)).build(), params(section));
    assertEquals(BatchStatus.COMPLETED, e.getStatus(), String.valueOf(e.getAllFailureExceptions()));
    Map<String, List<String>> byReason = new TreeMap<>();
    for (var q : repo.quarantined(RUN, 0)) {
      byReason.computeIfAbsent(q.reason(), k -> new ArrayList<>()).add(q.detail());
    }
    assertEquals(
        List.of("bad_coordinates", "duplicate", "not_a_file", "outside_section"),
        List.copyOf(byReason.keySet()),
        byReason.toString());
    assertTrue(byReason.get("bad_coordinates").get(0).contains("not finite"), byReason.toString());
    assertEquals(2, byReason.get("outside_section").size(), byReason.toString());
    assertTrue(
        byReason.get("outside_section").stream().anyMatch(d -> d.contains("leaves the section")),
        byReason.toString());
    assertTrue(
        byReason.get("outside_section").stream()
            .anyMatch(d -> d.contains("is a tile of section 002, not of 001_S1R1")),
        byReason.toString());
    assertTrue(byReason.get("duplicate").get(0).contains("the same tile as line 1"));
    assertTrue(byReason.get("not_a_file").get(0).contains("FIFO"), byReason.toString());
    assertEquals(6, repo.tileCount(RUN, 0));
    var summary = repo.sections(RUN).get(0);
    assertEquals(4, summary.quarantined(), "a duplicate line is not a bad tile");
    assertEquals(0, summary.superseded());
  }

  @Test
  void tooManyUnusableLinesFailTheSectionWithTheLinesInItsReport() throws Exception {
    SectionFixture s = new SectionFixture(acquisition, 1);
    for (int beam = 1; beam <= 4; beam++) {
      s.tile(1, beam);
    }
    s.list("000001\\notes-one.txt", 1, 2);
    s.list("000001\\notes-two.txt", 1, 2);
    s.list("000001\\notes-three.txt", 1, 2);
    s.writeCoordinates(false);
    StepLayout layout = stepLayout(Map.of("maxBadTiles", 2));
    TaskRunner.Result r =
        new TaskRunner(
                Clock.systemUTC(),
                new PrintStream(new ByteArrayOutputStream()),
                (def, l) -> new IngestUnitRunner(batch, repo, metrics(), def, l))
            .run(new TaskInvocation(layout.dir(), 0, 1, "h"));
    assertEquals(TaskExitCodes.UNITS_FAILED_PERMANENTLY, r.exitCode());
    String error = r.report().failures().get(0).error();
    assertTrue(error.contains("3 tiles quarantined (allowed: 2)"), error);
    assertTrue(error.contains("full_image_coordinates.txt:5"), error);
    assertFalse(error.contains("no tile quarantined"), error);
  }

  StepLayout stepLayout(Map<String, Object> params) throws Exception {
    return stepLayout(params, 1);
  }

  StepLayout stepLayout(Map<String, Object> params, int units) throws Exception {
    StepLayout layout = new StepLayout(dir.resolve("run/stages/ingest/ingest"));
    new TaskDefinition(
            RUN,
            "ingest",
            "ingest",
            "reference",
            params,
            "h1",
            "test",
            new StepPlan(
                new UnitSpace("section", units, null, "test"), new Grouping(units, units, 1)),
            dir.resolve("run").toString(),
            acquisition.toString(),
            null)
        .write(layout.definitionFile());
    return layout;
  }
}
