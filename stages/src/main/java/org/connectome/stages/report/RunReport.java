package org.connectome.stages.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.connectome.stages.stitch.OutputFiles;

/**
 * {@code connectome report}: per stage its compute time (from the catalog's step start and end),
 * the bytes it read and wrote ({@link DiskUsage}) and its quality from the {@link StageScorer}s,
 * against the ground truth when there is one; written to {@code <run>/report.json} and printed as a
 * table.
 */
public final class RunReport {
  /** A step's timing from the catalog. */
  public record StepTime(
      String step,
      String state,
      Instant startedAt,
      Instant finishedAt,
      long unitsDone,
      long unitsTotal) {}

  /** A stage's timing from the catalog, its steps in order. */
  public record StageTime(
      String stage,
      String implementation,
      String state,
      Instant startedAt,
      Instant finishedAt,
      List<StepTime> steps) {}

  public static final List<String> CHAIN =
      List.of("ingest", "stitch", "align", "segment", "synapses", "compress", "mesh");

  private RunReport() {}

  /** The built-in scorers, then those on the class path ({@link ServiceLoader}). */
  public static List<StageScorer> scorers() {
    List<StageScorer> out =
        new ArrayList<>(List.of(new StitchScorer(), new AlignScorer(), new CompressScorer()));
    for (StageScorer s : ServiceLoader.load(StageScorer.class, RunReport.class.getClassLoader())) {
      out.add(s);
    }
    return out;
  }

  /**
   * Builds the report.
   *
   * @param runId {@code sample/run}
   * @param ctx run folder, acquisition, ground truth
   * @param stages timings from the catalog (stages without one are found from the run folder)
   */
  public static Map<String, Object> build(
      String runId,
      ReportContext ctx,
      List<StageTime> stages,
      List<StageScorer> scorers,
      Instant now)
      throws IOException {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("run", runId);
    r.put("generatedAt", now.toString());
    r.put("runDir", ctx.runDir().toString());
    r.put("groundTruth", ctx.groundTruth() == null ? null : ctx.groundTruth().toString());
    List<StageTime> all = new ArrayList<>(stages);
    for (String s : foundStages(ctx.runDir())) {
      if (all.stream().noneMatch(t -> t.stage().equals(s))) {
        all.add(new StageTime(s, null, null, null, null, List.of()));
      }
    }
    all.sort((a, b) -> Integer.compare(order(a.stage()), order(b.stage())));
    Map<StageScorer, Future<Map<String, Object>>> scored =
        scoreConcurrently(
            scorers.stream()
                .filter(sc -> all.stream().anyMatch(t -> t.stage().equals(sc.stage())))
                .toList(),
            ctx);
    List<Map<String, Object>> out = new ArrayList<>();
    double total = 0;
    for (StageTime st : all) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("stage", st.stage());
      if (st.implementation() != null) {
        m.put("implementation", st.implementation());
      }
      if (st.state() != null) {
        m.put("state", st.state());
      }
      double stageSeconds = 0;
      List<Map<String, Object>> steps = new ArrayList<>();
      for (StepTime t : st.steps()) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("step", t.step());
        x.put("state", t.state());
        Double sec = seconds(t.startedAt(), t.finishedAt(), now);
        if (sec != null) {
          x.put("seconds", Math.round(sec * 10) / 10.0);
          stageSeconds += sec;
        }
        x.put("units", t.unitsDone() + "/" + t.unitsTotal());
        steps.add(x);
      }
      if (!steps.isEmpty()) {
        m.put("seconds", Math.round(stageSeconds * 10) / 10.0);
        total += stageSeconds;
      }
      Double wall = seconds(st.startedAt(), st.finishedAt(), now);
      if (wall != null) {
        m.put("wallSeconds", Math.round(wall * 10) / 10.0);
      }
      m.put("steps", steps);
      long[] io = DiskUsage.of(st.stage(), ctx.runDir(), ctx.acquisition());
      m.put("bytesIn", io[0]);
      m.put("bytesOut", io[1]);
      Map<String, Object> quality = new LinkedHashMap<>();
      for (StageScorer sc : scorers) {
        if (!sc.stage().equals(st.stage())) {
          continue;
        }
        quality.putAll(join(scored.get(sc)));
      }
      if (!quality.isEmpty()) {
        m.put("quality", quality);
      }
      out.add(m);
    }
    r.put("stages", out);
    r.put("computeSeconds", Math.round(total * 10) / 10.0);
    return r;
  }

  /**
   * Starts every scorer on a pool of one thread per core: they read different outputs (the
   * segmentation's and the synapses' walks over every imaged voxel are the longest), and the report
   * is what a finished run waits for. Each future holds the scorer's figures, or {@code error}.
   */
  private static Map<StageScorer, Future<Map<String, Object>>> scoreConcurrently(
      List<StageScorer> scorers, ReportContext ctx) {
    int threads = Math.max(1, Math.min(scorers.size(), Runtime.getRuntime().availableProcessors()));
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "report-scorer");
              t.setDaemon(true);
              return t;
            });
    try {
      Map<StageScorer, Future<Map<String, Object>>> out = new IdentityHashMap<>();
      for (StageScorer sc : scorers) {
        out.put(
            sc,
            pool.submit(
                () -> {
                  Map<String, Object> quality = new LinkedHashMap<>();
                  try {
                    sc.score(ctx).ifPresent(quality::putAll);
                  } catch (IOException | RuntimeException e) {
                    quality.put("error", sc.getClass().getSimpleName() + ": " + e.getMessage());
                  }
                  return quality;
                }));
      }
      return out;
    } finally {
      pool.shutdown(); // the submitted scorers still run
    }
  }

  private static Map<String, Object> join(Future<Map<String, Object>> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while scoring the run");
    } catch (ExecutionException e) {
      throw new IllegalStateException("a scorer failed outside its own error handling", e);
    }
  }

  /** Writes {@code report.json} into the run folder. */
  public static Path write(Path runDir, Map<String, Object> report) throws IOException {
    Path f = runDir.resolve("report.json");
    OutputFiles.writeJson(f, report);
    return f;
  }

  /** The report as a table, one line of quality per scored stage. */
  @SuppressWarnings("unchecked")
  public static String text(Map<String, Object> report) {
    StringBuilder b = new StringBuilder();
    b.append("Report of ").append(report.get("run")).append('\n');
    b.append("ground truth: ")
        .append(report.get("groundTruth") == null ? "none found" : report.get("groundTruth"))
        .append('\n');
    b.append(
        String.format(
            "%-9s %-10s %-9s %9s %10s %10s%n", "STAGE", "IMPL", "STATE", "COMPUTE", "IN", "OUT"));
    for (Map<String, Object> s : (List<Map<String, Object>>) report.get("stages")) {
      Object sec = s.get("seconds");
      b.append(
          String.format(
              "%-9s %-10s %-9s %9s %10s %10s%n",
              s.get("stage"),
              s.getOrDefault("implementation", "-"),
              s.getOrDefault("state", "-"),
              sec == null ? "-" : String.format("%.1f s", ((Number) sec).doubleValue()),
              DiskUsage.human(((Number) s.get("bytesIn")).longValue()),
              DiskUsage.human(((Number) s.get("bytesOut")).longValue())));
      for (Map<String, Object> t : (List<Map<String, Object>>) s.get("steps")) {
        if (((List<?>) s.get("steps")).size() > 1) {
          Object ts = t.get("seconds");
          b.append(
              String.format(
                  "  %-18s %-9s %9s   units %s%n",
                  t.get("step"),
                  t.get("state"),
                  ts == null ? "-" : String.format("%.1f s", ((Number) ts).doubleValue()),
                  t.get("units")));
        }
      }
      Map<String, Object> q = (Map<String, Object>) s.get("quality");
      if (q != null && q.get("summary") != null) {
        b.append("  quality: ").append(q.get("summary")).append('\n');
      } else if (q != null && q.get("error") != null) {
        b.append("  quality: cannot score: ").append(q.get("error")).append('\n');
      }
    }
    b.append(
        String.format(
            "compute time (sum of steps): %.1f s%n",
            ((Number) report.get("computeSeconds")).doubleValue()));
    return b.toString();
  }

  private static Double seconds(Instant from, Instant to, Instant now) {
    if (from == null) {
      return null;
    }
    return Duration.between(from, to == null ? now : to).toMillis() / 1000.0;
  }

  private static int order(String stage) {
    int i = CHAIN.indexOf(stage);
    return i < 0 ? CHAIN.size() : i;
  }

  private static List<String> foundStages(Path runDir) throws IOException {
    Path st = runDir.resolve("stages");
    if (!Files.isDirectory(st)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(st)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
