package org.connectome.ingest;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.connectome.acquisition.CoordinateFile;
import org.connectome.acquisition.CoordinateLine;
import org.connectome.acquisition.SectionFolder;
import org.connectome.catalog.Catalog;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.JobParametersBuilder;

/**
 * Ingest throughput beside the raw read bandwidth of the same files, measured in the same run:
 * every tile read once bypassing the page cache (O_DIRECT, "cold"), once through it after a warm-up
 * ("warm"), then ingested (parse, validate, checksum, manifest rows in the catalog) with the same
 * number of sections in parallel.
 */
public final class IngestBenchmark {
  private IngestBenchmark() {}

  /** The figures of one benchmark. */
  public record Figures(
      int sections,
      long tiles,
      long bytes,
      double coldMBps,
      double warmMBps,
      double ingestMBps,
      double ingestTilesPerSecond,
      int threads) {
    public String print() {
      return String.format(
          """
          acquisition: %d sections, %d tiles, %.1f MB; %d threads
          raw read, cold (O_DIRECT):  %8.1f MB/s
          raw read, warm (page cache): %8.1f MB/s
          ingest (validate + CRC32C + manifest): %8.1f MB/s, %8.0f tiles/s
          ingest / raw read: %.2f of cold, %.2f of warm""",
          sections,
          tiles,
          bytes / 1e6,
          threads,
          coldMBps,
          warmMBps,
          ingestMBps,
          ingestTilesPerSecond,
          coldMBps > 0 ? ingestMBps / coldMBps : Double.NaN,
          ingestMBps / warmMBps);
    }
  }

  public static Figures run(Path acquisition, String catalogUrl, int threads, PrintStream log)
      throws Exception {
    List<SectionFolder> sections = SectionFolder.list(acquisition);
    List<Path> files = new ArrayList<>();
    for (SectionFolder s : sections) {
      for (CoordinateLine l : CoordinateFile.read(s.coordinates()).tiles()) {
        Path f = s.dir().resolve(l.relativePath());
        if (Files.isRegularFile(f)) {
          files.add(f);
        }
      }
    }
    long bytes = 0;
    for (Path f : files) {
      bytes += Files.size(f);
    }
    log.printf("reading %d tiles (%.1f MB) cold...%n", files.size(), bytes / 1e6);
    double cold = directReadsWork(files.get(0)) ? readAll(files, bytes, threads, true) : Double.NaN;
    readAll(files, bytes, threads, false);
    double warm = readAll(files, bytes, threads, false);
    log.printf("ingesting %d sections...%n", sections.size());
    try (Catalog catalog = Catalog.open(catalogUrl)) {
      IngestStore store = IngestStore.open(catalog);
      IngestBatch batch = new IngestBatch(store);
      IngestRepository repo = new IngestRepository(store);
      IngestMetrics metrics = new IngestMetrics(new PrometheusRegistry());
      String runId = "bench/" + System.currentTimeMillis();
      Path work = Files.createTempDirectory("ingest-bench");
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long t0 = System.nanoTime();
      List<Future<JobExecution>> jobs = new ArrayList<>();
      for (SectionFolder s : sections) {
        jobs.add(
            pool.submit(
                () ->
                    batch.run(
                        new SectionIngestJob(
                                batch,
                                repo,
                                metrics,
                                runId,
                                "bench",
                                s,
                                IngestParams.of(Map.of("maxBadTileFraction", 1.0)),
                                work.resolve(s.name()))
                            .build(),
                        new JobParametersBuilder()
                            .addString("runId", runId)
                            .addLong("sectionIndex", (long) s.index())
                            .addString("paramsHash", "bench")
                            .toJobParameters())));
      }
      long tiles = 0;
      for (Future<JobExecution> j : jobs) {
        JobExecution e = j.get();
        if (e.getStatus() != BatchStatus.COMPLETED) {
          throw new IllegalStateException("ingest failed: " + e.getAllFailureExceptions());
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      pool.shutdown();
      for (SectionFolder s : sections) {
        tiles += repo.tileCount(runId, s.index());
      }
      return new Figures(
          sections.size(),
          tiles,
          bytes,
          cold,
          warm,
          bytes / 1e6 / seconds,
          tiles / seconds,
          threads);
    }
  }

  /**
   * MB/s reading every file once, on {@code threads} threads; {@code direct} bypasses the page
   * cache.
   */
  static double readAll(List<Path> files, long bytes, int threads, boolean direct)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long t0 = System.nanoTime();
    List<Future<Long>> parts = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int first = i;
      parts.add(
          pool.submit(
              () -> {
                long n = 0;
                ByteBuffer buf =
                    direct
                        ? ByteBuffer.allocateDirect((1 << 22) + 4096).alignedSlice(4096)
                        : ByteBuffer.allocate(1 << 20);
                for (int k = first; k < files.size(); k += threads) {
                  n += read(files.get(k), buf, direct);
                }
                return n;
              }));
    }
    for (Future<Long> p : parts) {
      p.get();
    }
    pool.shutdown();
    double seconds = (System.nanoTime() - t0) / 1e9;
    return bytes / 1e6 / seconds;
  }

  private static long read(Path f, ByteBuffer buf, boolean direct) throws IOException {
    long n = 0;
    try (FileChannel ch =
        direct
            ? FileChannel.open(
                f, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT)
            : FileChannel.open(f, StandardOpenOption.READ)) {
      int r;
      buf.clear();
      while ((r = ch.read(buf)) > 0) {
        n += r;
        if (direct && r < buf.capacity()) {
          break; // a short direct read is the end of the file; reading on would be at an unaligned
          // position
        }
        buf.clear();
      }
    }
    return n;
  }

  /**
   * Whether this file system reads with O_DIRECT (tmpfs does not: then there is no cold figure).
   */
  static boolean directReadsWork(Path f) {
    try {
      read(f, ByteBuffer.allocateDirect((1 << 22) + 4096).alignedSlice(4096), true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code IngestBenchmark ACQUISITION [THREADS]}: prints the figures. */
  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    if (args.length < 1) {
      System.err.println("usage: IngestBenchmark ACQUISITION_FOLDER [THREADS]");
      System.exit(2);
    }
    Path catalog = Files.createTempDirectory("ingest-bench-catalog");
    Figures f =
        run(
            Path.of(args[0]),
            Catalog.h2FileUrl(catalog.resolve("catalog")),
            args.length > 1
                ? Integer.parseInt(args[1])
                : Runtime.getRuntime().availableProcessors(),
            System.out);
    System.out.println(f.print());
  }
}
