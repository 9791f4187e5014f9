package org.connectome.cli;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.connectome.markers.RunMarkers;
import org.connectome.spec.RunSpec;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redo RUN --step STAGE.STEP [--units RANGES]}: takes away the completion markers of chosen
 * units and of everything made from their outputs, so that the next launch runs them again.
 */
@Command(
    name = "redo",
    mixinStandardHelpOptions = true,
    description = {
      "Sets units of a step to run again: their completion markers are taken away, and so are those"
          + " of every step that reads their outputs, directly or through other steps (redoing"
          + " stitch.stitch unit 3 redoes the alignment and all after it; redoing compress.image"
          + " redoes nothing else). The outputs stay until the units overwrite them.",
      "",
      "Then 'connectome resume RUN' (or --resume here) runs them."
    })
final class RedoCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "The run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Option(
      names = "--step",
      required = true,
      paramLabel = "STAGE.STEP",
      description = "The step (for example align.render).")
  String step;

  @Option(
      names = "--units",
      paramLabel = "RANGES",
      description = "Its units to redo, as ranges (3,10-19); default: all of them.")
  String units;

  @Option(names = "--resume", description = "Relaunch the run right away.")
  boolean resume;

  @Override
  public Integer call() throws IOException {
    List<UnitRange> chosen = null;
    if (units != null) {
      try {
        chosen = Ranges.normalize(Ranges.parse(units));
      } catch (IllegalArgumentException e) {
        System.err.println(
            "--units " + units + ": " + e.getMessage() + " (write ranges like 3,10-19)");
        return ExitCodes.USAGE;
      }
    }
    try (Platform p = Platform.open(global)) {
      Optional<RunSpec> spec = RunMarkersCommands.spec(p, runId);
      if (spec.isEmpty()) {
        return ExitCodes.NOT_FOUND;
      }
      List<RunMarkers.StepMarkers> steps = RunMarkers.of(spec.get());
      Optional<RunMarkers.StepMarkers> target = RunMarkers.find(steps, step);
      if (target.isEmpty()) {
        System.err.println(
            "--step "
                + step
                + ": the run has no such step (steps: "
                + String.join(", ", steps.stream().map(s -> s.step().qualifiedName()).toList())
                + ")");
        return ExitCodes.USAGE;
      }
      if (!target.get().planned()) {
        System.err.println(step + " has not run yet: there is nothing to redo");
        return ExitCodes.USAGE;
      }
      if (chosen != null) {
        long max = target.get().units();
        for (UnitRange r : chosen) {
          if (r.to() > max) {
            System.err.println(
                "--units " + units + ": " + step + " has units 0-" + (max - 1) + " only");
            return ExitCodes.USAGE;
          }
        }
      }
      if (!RunMarkersCommands.idle(p, runId, "redo units")) {
        return ExitCodes.USAGE;
      }
      long removed = 0;
      for (RunMarkers.Redo r : RunMarkers.redo(steps, step, chosen)) {
        long n = r.apply();
        removed += n;
        System.out.printf(
            "%-22s %s: %d markers taken away%n",
            r.step().step().qualifiedName(),
            r.step().step().qualifiedName().equals(step) && units != null
                ? "units " + Ranges.format(r.units())
                : "all " + r.step().units() + " units",
            n);
      }
      System.out.println(
          runId
              + ": "
              + removed
              + " units will run again"
              + (resume ? "; relaunching" : "; continue with: connectome resume " + runId));
    }
    return resume ? RunMarkersCommands.resume(global, runId) : ExitCodes.OK;
  }
}
