package org.connectome.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.connectome.layout.RunLayout;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.pipeline.Json;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskReport;

/**
 * The scale ladder's report: reads finished runs of the real chain (one per rung) from their run
 * folders and prints, per step, units, wall time, compute, voxels per second per core, the largest
 * peak RSS of any task and the files written; then how compute grows with volume (the exponent of a
 * least-squares fit of log CPU on log voxels) and how much of each run's wall no task was running
 * (orchestration: planning, dispatch, Temporal, the catalog).
 *
 * <p>Everything comes from what the run left beside its data: {@code step.json} (units), the task
 * reports (start, end, CPU seconds, peak RSS as the task process measured them) and the completion
 * markers (the files each unit wrote). A run's wall runs from its first step's planning (the
 * creation of its {@code step.json}) to the end of its last task; its orchestration is the wall in
 * which no task JVM ran, printed also with the JVMs' starts (until their {@code TaskRunner} began)
 * counted in.
 *
 * <p>{@code ScaleLadder RUNG=SPEC ...}, e.g. {@code 1x=work/ladder/1x/run.yaml
 * 8x=work/ladder/8x/run.yaml}.
 */
public final class ScaleLadder {
  private ScaleLadder() {}

  /** One step of one rung, as its files tell. */
  record StepFigures(
      String step,
      long units,
      long tasks,
      Instant firstStart,
      Instant lastEnd,
      double cpuSeconds,
      long peakRssBytes,
      long files,
      long tasksWithoutUsage) {
    double wallSeconds() {
      return firstStart == null ? 0 : Duration.between(firstStart, lastEnd).toMillis() / 1e3;
    }
  }

  /**
   * One rung: a finished run and its volume.
   *
   * @param busySeconds wall during which some task's {@code TaskRunner} ran
   * @param processSeconds wall during which some task's JVM ran (its start included)
   */
  record Rung(
      String label,
      long voxels,
      double wallSeconds,
      double busySeconds,
      double processSeconds,
      List<StepFigures> steps) {
    double cpuSeconds() {
      return steps.stream().mapToDouble(StepFigures::cpuSeconds).sum();
    }

    long peakRssBytes() {
      return steps.stream().mapToLong(StepFigures::peakRssBytes).max().orElse(0);
    }

    long files() {
      return steps.stream().mapToLong(StepFigures::files).sum();
    }

    /** The share of wall in which no task process ran. */
    double orchestrationShare() {
      return wallSeconds <= 0 ? 0 : 1 - processSeconds / wallSeconds;
    }

    /** The share of wall in which no task's units ran: orchestration and task JVM starts. */
    double orchestrationAndJvmStartShare() {
      return wallSeconds <= 0 ? 0 : 1 - busySeconds / wallSeconds;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].startsWith("-")) {
      System.err.println("usage: ScaleLadder RUNG=RUN_SPEC ... (e.g. 1x=work/ladder/1x/run.yaml)");
      System.exit(2);
    }
    List<Rung> rungs = new ArrayList<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        System.err.println("argument '" + a + "': expected RUNG=RUN_SPEC");
        System.exit(2);
      }
      RunSpec spec = new RunSpecLoader().load(Path.of(a.substring(eq + 1)));
      RunLayout run = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run());
      long voxels = spec.volume().sections() * spec.volume().width() * spec.volume().height();
      rungs.add(read(a.substring(0, eq), run.runDir(), voxels));
    }
    print(rungs, System.out);
  }

  /** Reads the finished run in {@code runDir}, a volume of {@code voxels}. */
  static Rung read(String label, Path runDir, long voxels) throws IOException {
    Path stages = runDir.resolve("stages");
    List<StepFigures> steps = new ArrayList<>();
    List<Instant[]> intervals = new ArrayList<>();
    List<Instant[]> processes = new ArrayList<>();
    Instant chainStart = null;
    Instant chainEnd = null;
    List<Path> stepDirs;
    try (Stream<Path> s = Files.walk(stages, 2)) {
      stepDirs = s.filter(p -> Files.isRegularFile(p.resolve("step.json"))).sorted().toList();
    }
    for (Path dir : stepDirs) {
      StepLayout layout = new StepLayout(dir);
      TaskDefinition def = TaskDefinition.read(layout.definitionFile());
      Instant planned = Files.getLastModifiedTime(layout.definitionFile()).toInstant();
      chainStart = chainStart == null || planned.isBefore(chainStart) ? planned : chainStart;
      StepFigures f = step(def, layout, intervals, processes);
      if (f.lastEnd() != null && (chainEnd == null || f.lastEnd().isAfter(chainEnd))) {
        chainEnd = f.lastEnd();
      }
      steps.add(f);
    }
    if (chainEnd == null) {
      throw new IOException("no task reports under " + stages + ": has the run " + label + " run?");
    }
    // the chain's order: steps by when their first task started
    steps.sort(
        Comparator.comparing(
            StepFigures::firstStart, Comparator.nullsLast(Comparator.naturalOrder())));
    double wall = Duration.between(chainStart, chainEnd).toMillis() / 1e3;
    return new Rung(label, voxels, wall, unionSeconds(intervals), unionSeconds(processes), steps);
  }

  private static StepFigures step(
      TaskDefinition def, StepLayout layout, List<Instant[]> intervals, List<Instant[]> processes)
      throws IOException {
    long tasks = 0;
    long withoutUsage = 0;
    double cpu = 0;
    long rss = 0;
    Instant first = null;
    Instant last = null;
    if (Files.isDirectory(layout.reportsDir())) {
      try (Stream<Path> s = Files.list(layout.reportsDir())) {
        for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
          TaskReport r = TaskReport.read(p);
          tasks++;
          intervals.add(new Instant[] {r.startedAt(), r.finishedAt()});
          Instant jvm = r.usage() == null ? null : r.usage().jvmStartedAt();
          processes.add(
              new Instant[] {
                jvm != null && jvm.isBefore(r.startedAt()) ? jvm : r.startedAt(), r.finishedAt()
              });
          first = first == null || r.startedAt().isBefore(first) ? r.startedAt() : first;
          last = last == null || r.finishedAt().isAfter(last) ? r.finishedAt() : last;
          if (r.usage() == null || r.usage().peakRssBytes() < 0) {
            withoutUsage++;
          } else {
            cpu += r.usage().cpuSeconds();
            rss = Math.max(rss, r.usage().peakRssBytes());
          }
        }
      }
    }
    long files = 0;
    if (Files.isDirectory(layout.markersDir())) {
      try (Stream<Path> s = Files.walk(layout.markersDir())) {
        for (Path p :
            s.filter(p -> p.getFileName().toString().endsWith(".json"))
                .filter(p -> !p.getParent().getFileName().toString().equals("invalid"))
                .toList()) {
          CompletionMarker m = Json.mapper().readValue(p.toFile(), CompletionMarker.class);
          files += m.outputs() == null ? 0 : m.outputs().size();
        }
      }
    }
    return new StepFigures(
        def.stage() + "." + def.step(),
        def.plan().grouping().unitCount(),
        tasks,
        first,
        last,
        cpu,
        rss,
        files,
        withoutUsage);
  }

  /** Seconds covered by at least one of the intervals. */
  static double unionSeconds(List<Instant[]> intervals) {
    List<Instant[]> sorted = new ArrayList<>(intervals);
    sorted.sort(Comparator.comparing(i -> i[0]));
    long millis = 0;
    Instant start = null;
    Instant end = null;
    for (Instant[] i : sorted) {
      if (end == null || i[0].isAfter(end)) {
        if (end != null) {
          millis += Duration.between(start, end).toMillis();
        }
        start = i[0];
        end = i[1];
      } else if (i[1].isAfter(end)) {
        end = i[1];
      }
    }
    if (end != null) {
      millis += Duration.between(start, end).toMillis();
    }
    return millis / 1e3;
  }

  /**
   * The exponent b of compute = a * voxels^b fitted by least squares on logs; NaN with fewer than
   * two rungs of different volume.
   */
  static double exponent(List<Long> voxels, List<Double> compute) {
    int n = voxels.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (int i = 0; i < n; i++) {
      double x = Math.log(voxels.get(i));
      double y = Math.log(compute.get(i));
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    double d = n * sxx - sx * sx;
    return n < 2 || Math.abs(d) < 1e-12 ? Double.NaN : (n * sxy - sx * sy) / d;
  }

  static void print(List<Rung> rungs, PrintStream out) {
    for (Rung r : rungs) {
      out.printf(
          Locale.ROOT,
          "%n### %s: %,d voxels, wall %.1f s, task JVMs running %.1f s (their units %.1f s),"
              + " orchestration %.1f %% of wall (%.1f %% with the task JVMs' starts),"
              + " compute %.1f CPU s, %.0f voxels/s/core, largest task peak RSS %s, %,d files%n%n",
          r.label(),
          r.voxels(),
          r.wallSeconds(),
          r.processSeconds(),
          r.busySeconds(),
          100 * r.orchestrationShare(),
          100 * r.orchestrationAndJvmStartShare(),
          r.cpuSeconds(),
          r.voxels() / r.cpuSeconds(),
          mb(r.peakRssBytes()),
          r.files());
      out.println(
          "| step | units | tasks | wall s | compute CPU s | voxels/s/core | largest task peak RSS |"
              + " files written |");
      out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
      for (StepFigures s : r.steps()) {
        out.printf(
            Locale.ROOT,
            "| %s | %,d | %,d | %.1f | %.1f | %s | %s | %,d |%n",
            s.step(),
            s.units(),
            s.tasks(),
            s.wallSeconds(),
            s.cpuSeconds(),
            s.cpuSeconds() > 0
                ? String.format(Locale.ROOT, "%,.0f", r.voxels() / s.cpuSeconds())
                : "-",
            s.tasksWithoutUsage() > 0
                ? mb(s.peakRssBytes()) + " (" + s.tasksWithoutUsage() + " tasks unmeasured)"
                : mb(s.peakRssBytes()),
            s.files());
      }
    }
    if (rungs.size() < 2) {
      return;
    }
    out.printf("%n### Across the ladder%n%n");
    StringBuilder head = new StringBuilder("| step |");
    StringBuilder rule = new StringBuilder("|---|");
    for (Rung r : rungs) {
      head.append(" CPU s ")
          .append(r.label())
          .append(" | peak RSS ")
          .append(r.label())
          .append(" |");
      rule.append("---:|---:|");
    }
    out.println(head.append(" compute exponent |"));
    out.println(rule.append("---:|"));
    Map<String, List<StepFigures>> byStep = new LinkedHashMap<>();
    for (StepFigures s : rungs.get(0).steps()) {
      List<StepFigures> row = new ArrayList<>();
      for (Rung r : rungs) {
        r.steps().stream().filter(x -> x.step().equals(s.step())).findFirst().ifPresent(row::add);
      }
      if (row.size() == rungs.size()) {
        byStep.put(s.step(), row);
      }
    }
    List<Long> voxels = rungs.stream().map(Rung::voxels).toList();
    for (Map.Entry<String, List<StepFigures>> e : byStep.entrySet()) {
      StringBuilder line = new StringBuilder("| " + e.getKey() + " |");
      for (StepFigures s : e.getValue()) {
        line.append(
            String.format(Locale.ROOT, " %.1f | %s |", s.cpuSeconds(), mb(s.peakRssBytes())));
      }
      double b = exponent(voxels, e.getValue().stream().map(StepFigures::cpuSeconds).toList());
      // a step run in the worker (ingest) has no CPU of its own to fit
      out.println(
          line.append(Double.isFinite(b) ? String.format(Locale.ROOT, " %.2f |", b) : " - |"));
    }
    StringBuilder total = new StringBuilder("| **all steps** |");
    for (Rung r : rungs) {
      total.append(
          String.format(Locale.ROOT, " %.1f | %s |", r.cpuSeconds(), mb(r.peakRssBytes())));
    }
    double b = exponent(voxels, rungs.stream().map(Rung::cpuSeconds).toList());
    out.println(total.append(String.format(Locale.ROOT, " **%.2f** |", b)));
  }

  private static String mb(long bytes) {
    return bytes <= 0 ? "-" : String.format(Locale.ROOT, "%,d MB", bytes / (1 << 20));
  }
}
