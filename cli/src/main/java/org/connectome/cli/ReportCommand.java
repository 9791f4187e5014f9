package org.connectome.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunStatus;
import org.connectome.catalog.StageStatus;
import org.connectome.catalog.StepStatus;
import org.connectome.layout.RunLayout;
import org.connectome.pipeline.Json;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.spec.StageSpec;
import org.connectome.stages.report.ReportContext;
import org.connectome.stages.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code report RUN}: per stage its compute time (step start to end, from the catalog), the bytes
 * it read and wrote, and its quality (stitching tile error, alignment residual, compression ratio,
 * and whatever other {@code StageScorer}s the class path adds), against the simulator's ground
 * truth when one is found; written to {@code <run>/report.json}.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Scores a run: compute time, bytes in and out and quality per stage, against the simulator's "
            + "ground truth when there is one (<acquisition>/../ground-truth, or --ground-truth). Writes "
            + "<run folder>/report.json and prints a table.")
final class ReportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "A run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Option(
      names = "--ground-truth",
      paramLabel = "DIR",
      description =
          "The simulator's ground-truth folder (default: ground-truth next to the run's acquisition, "
              + "when there is one).")
  Path groundTruth;

  @Option(names = "--no-ground-truth", description = "Do not score against a ground truth.")
  boolean noGroundTruth;

  @Option(names = "--json", description = "Print the report as JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    if (groundTruth != null && !Files.isRegularFile(groundTruth.resolve("volume.json"))) {
      System.err.println(
          "--ground-truth " + groundTruth + ": not a simulator ground truth (no volume.json)");
      return ExitCodes.USAGE;
    }
    try (Platform p = Platform.open(global)) {
      Optional<RunRecord> r = RunRef.find(p.catalog, runId);
      if (r.isEmpty()) {
        return ExitCodes.NOT_FOUND;
      }
      RunSpec spec = RunSpecLoader.fromJson(r.get().specJson());
      Path runDir = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run()).runDir();
      if (!Files.isDirectory(runDir)) {
        System.err.println("run " + runId + " has no folder " + runDir + " yet");
        return ExitCodes.NOT_FOUND;
      }
      Path acquisition = spec.acquisition() == null ? null : Path.of(spec.acquisition());
      Path gt =
          noGroundTruth
              ? null
              : groundTruth != null
                  ? groundTruth.toAbsolutePath().normalize()
                  : ReportContext.findGroundTruth(acquisition).orElse(null);
      var report = build(p.catalog, spec, gt);
      Path file = RunReport.write(runDir, report);
      if (json) {
        System.out.println(Json.text(report));
      } else {
        System.out.print(RunReport.text(report));
        System.out.println("written to " + file);
      }
      return ExitCodes.OK;
    }
  }

  /** The report of a run, scored against {@code groundTruth} when it is not null. */
  static Map<String, Object> build(Catalog catalog, RunSpec spec, Path groundTruth)
      throws IOException {
    Path runDir = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run()).runDir();
    Path acquisition = spec.acquisition() == null ? null : Path.of(spec.acquisition());
    return RunReport.build(
        spec.runId(),
        new ReportContext(runDir, acquisition, groundTruth),
        times(spec, catalog.progress().status(spec.runId())),
        RunReport.scorers(),
        Instant.now());
  }

  /**
   * Writes a finished run's report (against the ground truth next to its acquisition, when there is
   * one) and returns its text, for {@code run} to show at the end.
   */
  static String writeAfterRun(Catalog catalog, RunSpec spec) throws IOException {
    Path acquisition = spec.acquisition() == null ? null : Path.of(spec.acquisition());
    var report = build(catalog, spec, ReportContext.findGroundTruth(acquisition).orElse(null));
    Path file =
        RunReport.write(RunLayout.of(spec.dataRoot(), spec.sample(), spec.run()).runDir(), report);
    return RunReport.text(report) + "written to " + file;
  }

  /** The catalog's stage and step times, with each stage's implementation from the spec. */
  static List<RunReport.StageTime> times(RunSpec spec, RunStatus status) {
    List<RunReport.StageTime> out = new ArrayList<>();
    for (StageStatus st : status.stages()) {
      String impl =
          spec.stages().stream()
              .filter(s -> s.stage().equals(st.stage()))
              .map(StageSpec::implementation)
              .findFirst()
              .orElse(null);
      List<RunReport.StepTime> steps = new ArrayList<>();
      for (StepStatus sp : st.steps()) {
        steps.add(
            new RunReport.StepTime(
                sp.step(),
                lower(sp.state()),
                sp.startedAt(),
                sp.finishedAt(),
                sp.unitsDone(),
                sp.unitsTotal()));
      }
      out.add(
          new RunReport.StageTime(
              st.stage(), impl, lower(st.state()), st.startedAt(), st.finishedAt(), steps));
    }
    return out;
  }

  private static String lower(Enum<?> e) {
    return e == null ? null : e.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
