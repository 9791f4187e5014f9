package org.connectome.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.connectome.markers.InvalidUnit;
import org.connectome.markers.MarkerCheck;
import org.connectome.markers.RunMarkers;
import org.connectome.spec.RunSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code verify RUN}: checks every output every finished unit of a run recorded, against the size
 * and CRC32C checksum in the unit's marker; {@code --repair} sets the units that fail aside and
 * relaunches the run, which runs them again.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Checks the outputs of every finished unit of a run against the sizes and CRC32C checksums"
          + " their completion markers recorded (reading every byte), with progress, and reports the"
          + " units whose outputs are missing, cut short or changed, or whose markers are damaged.",
      "",
      "With --repair those units are set to run again and the run is relaunched from its markers"
          + " ('connectome resume'). Exit code 0: every output intact (or repaired); 1: some are"
          + " not."
    })
final class VerifyCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "The run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Option(
      names = "--step",
      paramLabel = "STAGE.STEP",
      description = "Only this step (for example align.render).")
  String step;

  @Option(
      names = "--sizes",
      description = "Check sizes only (a stat per file, as every relaunch does), not checksums.")
  boolean sizesOnly;

  @Option(names = "--repair", description = "Run the units that fail again (relaunches the run).")
  boolean repair;

  @Override
  public Integer call() throws IOException {
    PrintStream out = System.out;
    List<Bad> bad = new ArrayList<>();
    try (Platform p = Platform.open(global)) {
      Optional<RunSpec> spec = RunMarkersCommands.spec(p, runId);
      if (spec.isEmpty()) {
        return ExitCodes.NOT_FOUND;
      }
      List<RunMarkers.StepMarkers> steps = RunMarkers.of(spec.get());
      if (step != null && RunMarkers.find(steps, step).isEmpty()) {
        System.err.println(
            "--step "
                + step
                + ": the run has no such step (steps: "
                + String.join(", ", steps.stream().map(s -> s.step().qualifiedName()).toList())
                + ")");
        return ExitCodes.USAGE;
      }
      if (repair && !RunMarkersCommands.idle(p, runId, "repair it")) {
        return ExitCodes.USAGE;
      }
      MarkerCheck.Depth depth = sizesOnly ? MarkerCheck.Depth.SIZES : MarkerCheck.Depth.CHECKSUMS;
      boolean terminal = System.console() != null;
      long units = 0;
      for (RunMarkers.StepMarkers s : steps) {
        String name = s.step().qualifiedName();
        if (step != null && !step.equals(name)) {
          continue;
        }
        if (!s.planned()) {
          out.printf("%-22s not run yet%n", name);
          continue;
        }
        AtomicLong seen = new AtomicLong();
        long t0 = System.nanoTime();
        MarkerCheck check =
            s.store()
                .check(
                    s.all(),
                    s.step().paramsHash(),
                    depth,
                    u -> {
                      long n = seen.incrementAndGet();
                      if (terminal && (n % 16 == 0)) {
                        synchronized (out) {
                          out.printf("\r%-22s %d of %d units checked", name, n, s.units());
                          out.flush();
                        }
                      }
                    });
        units += seen.get();
        long missing = s.units() - check.done().cardinality() - check.invalid().size();
        out.printf(
            "%s%-22s %6d %s checked in %.1f s: %s%s%n",
            terminal ? "\r" : "",
            name,
            seen.get(),
            seen.get() == 1 ? "unit " : "units",
            (System.nanoTime() - t0) / 1e9,
            check.invalid().isEmpty() ? "intact" : check.invalid().size() + " damaged",
            missing > 0 ? " (" + missing + " units not done)" : "");
        for (InvalidUnit u : check.invalid()) {
          bad.add(new Bad(s, u));
          if (check.invalid().indexOf(u) < 5) {
            out.printf("  unit %d: %s: %s%n", u.unit(), u.problem().words(), u.detail());
          }
        }
        if (check.invalid().size() > 5) {
          out.printf("  ... and %d more units%n", check.invalid().size() - 5);
        }
      }
      if (bad.isEmpty()) {
        out.println(runId + ": the outputs of all " + units + " finished units are intact");
        return ExitCodes.OK;
      }
      if (!repair) {
        out.println(
            runId
                + ": "
                + bad.size()
                + " of "
                + units
                + " finished units have damaged outputs or markers; run them again with:"
                + " connectome verify "
                + runId
                + " --repair");
        return ExitCodes.RUN_FAILED;
      }
      for (Bad b : bad) {
        b.step().store().invalidate(b.unit().unit(), b.step().step().paramsHash(), true);
      }
      out.println(
          runId
              + ": "
              + bad.size()
              + (bad.size() == 1 ? " unit" : " units")
              + " set to run again; relaunching from the markers");
    }
    return RunMarkersCommands.resume(global, runId);
  }

  private record Bad(RunMarkers.StepMarkers step, InvalidUnit unit) {}
}
