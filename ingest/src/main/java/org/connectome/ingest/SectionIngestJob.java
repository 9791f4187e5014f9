package org.connectome.ingest;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.connectome.acquisition.AcquisitionException;
import org.connectome.acquisition.BadEntry;
import org.connectome.acquisition.CoordinateFile;
import org.connectome.acquisition.CoordinateLine;
import org.connectome.acquisition.SectionFolder;
import org.connectome.acquisition.TileResolver;
import org.springframework.batch.core.ChunkListener;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.JobExecutionListener;
import org.springframework.batch.core.SkipListener;
import org.springframework.batch.core.Step;
import org.springframework.batch.core.StepExecution;
import org.springframework.batch.core.StepExecutionListener;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.skip.SkipLimitExceededException;
import org.springframework.batch.core.step.skip.SkipPolicy;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.item.Chunk;
import org.springframework.batch.item.ExecutionContext;
import org.springframework.batch.item.ItemProcessor;
import org.springframework.batch.item.ItemWriter;
import org.springframework.batch.item.file.FlatFileItemReader;
import org.springframework.batch.item.file.builder.FlatFileItemReaderBuilder;
import org.springframework.batch.repeat.RepeatStatus;
import org.springframework.core.io.FileSystemResource;

/**
 * The Spring Batch job that ingests one section, chunk-oriented so that a crash costs at most one
 * chunk:
 *
 * <ol>
 *   <li>{@code resolve}: read the coordinate file, resolve re-imaged tiles (newest timestamp wins),
 *       quarantine unusable lines, write the resolved tile list; it also forgets rows an earlier
 *       ingest under other parameters left;
 *   <li>{@code tiles}: read the resolved list in chunks, validate and checksum each tile, write
 *       manifest rows; bad tiles are skipped into quarantine up to the section's limit, beyond
 *       which the step fails. The reader's position, the manifest rows and the quarantine rows of a
 *       chunk commit in one transaction, and a restart resumes after the last committed chunk, so
 *       no manifest row is ever written twice;
 *   <li>{@code summarize}: record the section's summary.
 * </ol>
 */
public final class SectionIngestJob {
  static final String JOB_NAME = "ingest-section";
  static final String LISTED = "listed";
  static final String SUPERSEDED = "superseded";
  static final String ALLOWANCE = "allowance";
  static final String TILE_WIDTH = "tileWidth";
  static final String TILE_HEIGHT = "tileHeight";

  private final IngestBatch batch;
  private final IngestRepository repo;
  private final IngestMetrics metrics;
  private final String runId;
  private final String sample;
  private final SectionFolder section;
  private final IngestParams params;
  private final Path workDir;
  private ChunkListener chunkListener;

  public SectionIngestJob(
      IngestBatch batch,
      IngestRepository repo,
      IngestMetrics metrics,
      String runId,
      String sample,
      SectionFolder section,
      IngestParams params,
      Path workDir) {
    this.batch = batch;
    this.repo = repo;
    this.metrics = metrics;
    this.runId = runId;
    this.sample = sample;
    this.section = section;
    this.params = params;
    this.workDir = workDir;
  }

  /**
   * Also tells {@code listener} of every chunk of tiles (progress reports; tests that crash the
   * worker).
   */
  public SectionIngestJob withChunkListener(ChunkListener listener) {
    this.chunkListener = listener;
    return this;
  }

  Path resolvedList() {
    return workDir.resolve("resolved.tsv");
  }

  public Job build() {
    return new JobBuilder(JOB_NAME, batch.repository())
        .listener(
            new JobExecutionListener() {
              @Override
              public void beforeJob(JobExecution e) {
                batch.started(e);
              }
            })
        .start(resolveStep())
        .next(tilesStep())
        .next(summarizeStep())
        .build();
  }

  private Step resolveStep() {
    Tasklet t =
        (contribution, chunk) -> {
          ExecutionContext job =
              chunk.getStepContext().getStepExecution().getJobExecution().getExecutionContext();
          repo.clearSection(runId, section.index());
          if (!Files.exists(section.coordinates())) {
            throw new AcquisitionException(section.coordinates(), 0, describeMissingCoordinates());
          }
          CoordinateFile.Parsed parsed =
              CoordinateFile.read(section.coordinates(), params.readTimeout());
          TileResolver.Resolved resolved = quarantineLines(parsed);
          Files.createDirectories(workDir);
          List<String> lines = new ArrayList<>();
          for (CoordinateLine l : resolved.tiles()) {
            lines.add(ResolvedTile.of(l).toTsv());
          }
          Path tmp = workDir.resolve("resolved.tsv.tmp");
          Files.write(tmp, lines, StandardCharsets.UTF_8);
          Files.move(
              tmp,
              resolvedList(),
              StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
          int listed = resolved.tiles().size() + parsed.bad().size();
          job.putInt(LISTED, listed);
          job.putInt(SUPERSEDED, resolved.superseded().size());
          job.putInt(ALLOWANCE, params.allowance(listed));
          int[] size = expectedTileSize();
          job.putInt(TILE_WIDTH, size[0]);
          job.putInt(TILE_HEIGHT, size[1]);
          if (parsed.bad().size() > params.allowance(listed)) {
            throw new SkipLimitExceededException(
                params.allowance(listed),
                new IllegalStateException(
                    parsed.bad().size() + " unusable lines in " + section.coordinates()));
          }
          return RepeatStatus.FINISHED;
        };
    return new StepBuilder("resolve", batch.repository()).tasklet(t, batch.transactions()).build();
  }

  /**
   * Quarantines the coordinate file's unusable lines, its superseded re-imaged tiles and its
   * duplicate lines; returns the tiles to ingest.
   */
  private TileResolver.Resolved quarantineLines(CoordinateFile.Parsed parsed) {
    TileResolver.Resolved resolved = TileResolver.resolve(parsed.tiles());
    for (BadEntry b : parsed.bad()) {
      repo.quarantine(
          runId,
          section.index(),
          "line " + b.line(),
          null,
          null,
          b.kind() == BadEntry.Kind.OUTSIDE_SECTION
              ? BadTileReason.OUTSIDE_SECTION
              : BadTileReason.BAD_COORDINATES,
          section.coordinates().getFileName()
              + ":"
              + b.line()
              + ": "
              + b.reason()
              + " ("
              + b.text()
              + ")");
    }
    for (CoordinateLine s : resolved.superseded()) {
      repo.quarantine(
          runId,
          section.index(),
          s.relativePath(),
          s.name().mfov(),
          s.name().beam(),
          BadTileReason.SUPERSEDED,
          "re-imaged: replaced by a newer acquisition (line " + s.line() + ")");
    }
    for (TileResolver.Duplicate d : resolved.duplicates()) {
      repo.quarantine(
          runId,
          section.index(),
          "line " + d.line().line(),
          d.line().name().mfov(),
          d.line().name().beam(),
          BadTileReason.DUPLICATE,
          section.coordinates().getFileName()
              + ":"
              + d.line().line()
              + ": the same tile as line "
              + d.first()
              + " ("
              + d.line().relativePath()
              + ")");
    }
    return resolved;
  }

  private String describeMissingCoordinates() {
    try (var files = Files.walk(section.dir(), 2)) {
      List<String> names =
          files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
      boolean tiles =
          names.stream()
              .anyMatch(n -> n.toLowerCase().endsWith(".bmp") && !n.startsWith("thumbnail_"));
      boolean thumbs = names.stream().anyMatch(n -> n.startsWith("thumbnail_"));
      if (thumbs && !tiles) {
        return "section folder "
            + section.name()
            + " has no full_image_coordinates.txt and holds thumbnails only";
      }
      return "section folder "
          + section.name()
          + " has no full_image_coordinates.txt ("
          + names.size()
          + " files in it)";
    } catch (IOException e) {
      return "section folder " + section.name() + " has no full_image_coordinates.txt";
    }
  }

  /**
   * Tile size from the spec, else from metadata.txt, else 0 (the first good tile's size is then
   * expected).
   */
  private int[] expectedTileSize() {
    if (params.tileWidth() > 0 && params.tileHeight() > 0) {
      return new int[] {params.tileWidth(), params.tileHeight()};
    }
    Map<String, String> meta = SectionMetadata.read(section.metadata());
    return new int[] {
      SectionMetadata.intValue(meta, 0, "tile_width", "tilewidth", "tile width", "image width"),
      SectionMetadata.intValue(meta, 0, "tile_height", "tileheight", "tile height", "image height")
    };
  }

  private Step tilesStep() {
    int[] allowance = {0};
    int[] quarantinedBefore = {0};
    TileCheck[] check = new TileCheck[1];
    StepExecutionListener setup =
        new StepExecutionListener() {
          @Override
          public void beforeStep(StepExecution s) {
            ExecutionContext job = s.getJobExecution().getExecutionContext();
            allowance[0] = job.getInt(ALLOWANCE, 0);
            quarantinedBefore[0] = badCount();
            check[0] =
                new TileCheck(
                    runId,
                    section,
                    job.getInt(TILE_WIDTH, 0),
                    job.getInt(TILE_HEIGHT, 0),
                    params.verifyChecksums(),
                    params.readTimeout());
          }

          @Override
          public ExitStatus afterStep(StepExecution s) {
            return null;
          }
        };
    SkipPolicy policy =
        (t, skipCount) -> {
          if (!(t instanceof BadTileException)) {
            return false;
          }
          if (quarantinedBefore[0] + skipCount >= allowance[0]) {
            throw new SkipLimitExceededException(allowance[0], t);
          }
          return true;
        };
    ItemProcessor<ResolvedTile, TileRecord> processor =
        tile -> {
          if (Thread.currentThread().isInterrupted()) {
            throw new IllegalStateException("ingest of section " + section.name() + " interrupted");
          }
          try {
            return check[0].check(tile);
          } catch (BadTileException e) {
            if (Thread.currentThread().isInterrupted()
                || e.getCause() instanceof ClosedByInterruptException) {
              throw new IllegalStateException(
                  "ingest of section " + section.name() + " interrupted", e);
            }
            throw e;
          }
        };
    ItemWriter<TileRecord> writer =
        (Chunk<? extends TileRecord> chunk) -> {
          List<Object[]> rows = new ArrayList<>();
          long bytes = 0;
          for (TileRecord r : chunk) {
            rows.add(
                new Object[] {
                  r.runId(),
                  r.sectionIndex(),
                  r.section(),
                  r.mfov(),
                  r.beam(),
                  r.path(),
                  r.acquired(),
                  r.x(),
                  r.y(),
                  r.z(),
                  r.width(),
                  r.height(),
                  r.bytes(),
                  r.checksum(),
                  r.thumbnail()
                });
            bytes += r.bytes();
          }
          repo.jdbc()
              .batchUpdate(
                  "INSERT INTO ingest_tile (run_id, section_index, section, mfov, beam, path, acquired, "
                      + "stage_x, stage_y, stage_z, width, height, bytes, checksum, thumbnail_path) VALUES "
                      + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  rows);
          metrics.tilesIngested(sample, rows.size(), bytes);
        };
    SkipListener<ResolvedTile, TileRecord> quarantine =
        new SkipListener<>() {
          @Override
          public void onSkipInProcess(ResolvedTile item, Throwable t) {
            BadTileException b = (BadTileException) t;
            repo.quarantine(
                runId,
                section.index(),
                item.path(),
                item.mfov(),
                item.beam(),
                b.reason(),
                b.getMessage());
            metrics.tileQuarantined(sample, b.reason());
          }
        };
    FlatFileItemReader<ResolvedTile> reader =
        new FlatFileItemReaderBuilder<ResolvedTile>()
            .name("resolved-tiles")
            .resource(new FileSystemResource(resolvedList()))
            .encoding("UTF-8")
            .lineMapper((line, n) -> ResolvedTile.fromTsv(line))
            .saveState(true)
            .build();
    var builder =
        new StepBuilder("tiles", batch.repository())
            .<ResolvedTile, TileRecord>chunk(params.chunkSize(), batch.transactions())
            .reader(reader)
            .processor(processor)
            .writer(writer)
            .faultTolerant()
            .skipPolicy(policy)
            .noRollback(BadTileException.class)
            .processorNonTransactional()
            .listener(quarantine)
            .listener(setup);
    if (chunkListener != null) {
      builder.listener(chunkListener);
    }
    return builder.build();
  }

  private int badCount() {
    Integer n =
        repo.jdbc()
            .queryForObject(
                "SELECT COUNT(*) FROM ingest_quarantine WHERE run_id = ? AND section_index = ? "
                    + "AND reason NOT IN (?, ?)",
                Integer.class,
                runId,
                section.index(),
                BadTileReason.SUPERSEDED.code(),
                BadTileReason.DUPLICATE.code());
    return n == null ? 0 : n;
  }

  private Step summarizeStep() {
    Tasklet t =
        (contribution, chunk) -> {
          ExecutionContext job =
              chunk.getStepContext().getStepExecution().getJobExecution().getExecutionContext();
          IngestRepository.SectionSummary s = summary(job, "INGESTED");
          repo.saveSection(runId, s);
          writeManifestFile();
          return RepeatStatus.FINISHED;
        };
    return new StepBuilder("summarize", batch.repository())
        .tasklet(t, batch.transactions())
        .build();
  }

  /**
   * The section's manifest as a file beside the step's outputs: what stitching, in a task process,
   * reads.
   */
  public static final String MANIFEST_FILE = "manifest.tsv";

  /**
   * Writes {@value #MANIFEST_FILE}: one TAB-separated line per ingested tile (mfov, beam, path,
   * stage x, stage y, width, height, checksum), sorted by mFoV and beam, written atomically.
   */
  void writeManifestFile() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# mfov\tbeam\tpath\tstage_x\tstage_y\twidth\theight\tcrc32c");
    repo.jdbc()
        .query(
            "SELECT mfov, beam, path, stage_x, stage_y, width, height, checksum FROM ingest_tile WHERE "
                + "run_id = ? AND section_index = ? ORDER BY mfov, beam",
            rs -> {
              lines.add(
                  rs.getInt(1)
                      + "\t"
                      + rs.getInt(2)
                      + "\t"
                      + rs.getString(3)
                      + "\t"
                      + rs.getDouble(4)
                      + "\t"
                      + rs.getDouble(5)
                      + "\t"
                      + rs.getInt(6)
                      + "\t"
                      + rs.getInt(7)
                      + "\t"
                      + rs.getString(8));
            },
            runId,
            section.index());
    Files.createDirectories(workDir);
    Path tmp = workDir.resolve(MANIFEST_FILE + ".tmp");
    Files.write(tmp, lines, StandardCharsets.UTF_8);
    Files.move(
        tmp,
        workDir.resolve(MANIFEST_FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** The section's summary from the catalog rows (exact across restarts). */
  IngestRepository.SectionSummary summary(ExecutionContext job, String state) {
    Long bytes =
        repo.jdbc()
            .queryForObject(
                "SELECT COALESCE(SUM(bytes), 0) FROM ingest_tile WHERE run_id = ? AND "
                    + "section_index = ?",
                Long.class,
                runId,
                section.index());
    List<IngestRepository.Quarantined> q = repo.quarantined(runId, section.index());
    List<IngestRepository.Quarantined> bad =
        q.stream().filter(x -> !BadTileReason.NOT_BAD.contains(x.reason())).toList();
    long superseded =
        q.stream().filter(x -> x.reason().equals(BadTileReason.SUPERSEDED.code())).count();
    return new IngestRepository.SectionSummary(
        section.index(),
        section.section(),
        section.dir().toString(),
        state,
        job.getInt(LISTED, 0),
        (int) repo.tileCount(runId, section.index()),
        bad.size(),
        (int) superseded,
        bytes == null ? 0 : bytes,
        report(bad, job.getInt(ALLOWANCE, 0)));
  }

  /**
   * Every bad tile of the section, by a validation pass without checksums: when the limit is
   * exceeded, the failing chunk's quarantine rows roll back with it, yet the report must list every
   * bad tile. They are quarantined here.
   */
  List<IngestRepository.Quarantined> quarantineAllBadTiles() throws IOException {
    // the resolve step's rows rolled back with it when the unusable lines alone were too many;
    // quarantining is idempotent
    try {
      quarantineLines(CoordinateFile.read(section.coordinates(), params.readTimeout()));
    } catch (AcquisitionException e) {
      // the coordinate file went away meanwhile: list what there is
    }
    if (!Files.exists(resolvedList())) {
      return bad();
    }
    int[] size = expectedTileSize();
    TileCheck check = new TileCheck(runId, section, size[0], size[1], false, params.readTimeout());
    for (String line : Files.readAllLines(resolvedList(), StandardCharsets.UTF_8)) {
      ResolvedTile t = ResolvedTile.fromTsv(line);
      try {
        check.check(t);
      } catch (BadTileException e) {
        repo.quarantine(
            runId, section.index(), t.path(), t.mfov(), t.beam(), e.reason(), e.getMessage());
      }
    }
    return bad();
  }

  private List<IngestRepository.Quarantined> bad() {
    return repo.quarantined(runId, section.index()).stream()
        .filter(x -> !BadTileReason.NOT_BAD.contains(x.reason()))
        .toList();
  }

  /** A report of the quarantined tiles, one line each. */
  static String report(List<IngestRepository.Quarantined> bad, int allowance) {
    if (bad.isEmpty()) {
      return "no tile quarantined";
    }
    StringBuilder b =
        new StringBuilder(bad.size() + " tiles quarantined (allowed: " + allowance + "):");
    for (IngestRepository.Quarantined x : bad) {
      b.append("\n  ")
          .append(x.path())
          .append(": ")
          .append(x.reason())
          .append(" (")
          .append(x.detail())
          .append(')');
    }
    return b.toString();
  }
}
