package org.connectome.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.connectome.catalog.RunState;
import org.connectome.catalog.RunStatus;
import org.connectome.catalog.StageState;
import org.connectome.catalog.StageStatus;
import org.connectome.catalog.StepState;
import org.connectome.catalog.StepStatus;
import org.connectome.metrics.RunEta;
import org.connectome.metrics.StageEta;
import org.connectome.pipeline.Pipeline;
import org.connectome.spec.RunSpec;

/**
 * A progress bar per stage, from the catalog: units done of total, rate and ETA of the running
 * step, and the whole run's ETA ({@link RunEta}). On a terminal it redraws in place; otherwise (a
 * log, CI) it prints a line when a stage changes state and a progress line for the running stage
 * every few seconds.
 */
final class ProgressView {
  private static final int BAR = 28;
  private static final Duration PLAIN_EVERY = Duration.ofSeconds(5);

  private final PrintStream out;
  private final boolean terminal;
  private final List<Pipeline.StagePlan> stages;
  private final Map<String, List<String>> waitsFor;
  private final String runId;
  private final Instant started;
  private int drawnLines;
  private final Map<String, String> lastStates = new HashMap<>();
  private Instant lastPlain = Instant.EPOCH;

  ProgressView(PrintStream out, boolean terminal, RunSpec spec, Instant started) {
    this.out = out;
    this.terminal = terminal;
    this.stages = Pipeline.stages(spec);
    this.waitsFor = Pipeline.waitsFor(spec, stages, Pipeline.HashScheme.DAG);
    this.runId = spec.runId();
    this.started = started;
  }

  void show(RunStatus status, Instant now) {
    Map<String, StageStatus> byStage = new HashMap<>();
    if (status != null) {
      for (StageStatus s : status.stages()) {
        byStage.put(s.stage(), s);
      }
    }
    if (terminal) {
      List<String> lines = new ArrayList<>();
      String runState = status == null ? "STARTING" : status.run().state().name();
      lines.add(
          String.format(
              "%s  %s  %s%s",
              runId, runState, clock(Duration.between(started, now)), runEta(status, now)));
      for (Pipeline.StagePlan plan : stages) {
        lines.add(stageLine(plan, byStage.get(plan.stage()), now));
      }
      StringBuilder b = new StringBuilder();
      if (drawnLines > 0) {
        b.append("\033[").append(drawnLines).append('A');
      }
      for (String l : lines) {
        b.append("\r\033[2K").append(l).append('\n');
      }
      out.print(b);
      out.flush();
      drawnLines = lines.size();
      return;
    }
    for (Pipeline.StagePlan plan : stages) {
      StageStatus s = byStage.get(plan.stage());
      String state = s == null ? "PENDING" : s.state().name();
      if (!state.equals(lastStates.put(plan.stage(), state)) && s != null) {
        out.println(stageLine(plan, s, now).strip());
      }
    }
    if (Duration.between(lastPlain, now).compareTo(PLAIN_EVERY) >= 0) {
      lastPlain = now;
      String eta = runEta(status, now);
      if (!eta.isEmpty()) {
        out.println(runId + eta.replaceFirst("^ +", "  "));
      }
      for (Pipeline.StagePlan plan : stages) {
        StageStatus s = byStage.get(plan.stage());
        if (s != null && s.state() == StageState.RUNNING) {
          out.println(stageLine(plan, s, now).strip());
        }
      }
    }
    out.flush();
  }

  /**
   * The whole run's ETA for the header (" run ETA 00:12:00", or " run ETA >= 00:03:10 (4 steps not
   * measured yet)"), or nothing before anything is measured or once the run is not running.
   */
  String runEta(RunStatus status, Instant now) {
    if (status == null || status.run().state() != RunState.RUNNING) {
      return "";
    }
    RunEta.Estimate e = RunEta.of(waitsFor, status, now);
    if (e.seconds() <= 0 && e.isLowerBound()) {
      return "";
    }
    String t = clock(Duration.ofSeconds((long) Math.ceil(e.seconds())));
    return e.isLowerBound()
        ? String.format(
            "  run ETA >= %s (%d step%s not measured yet)",
            t, e.unmeasured(), e.unmeasured() == 1 ? "" : "s")
        : "  run ETA " + t;
  }

  static String stageLine(Pipeline.StagePlan plan, StageStatus s, Instant now) {
    String name = String.format("  %-9s", plan.stage());
    if (s == null) {
      return name + " " + "-".repeat(BAR) + "  pending";
    }
    long total = 0;
    long done = 0;
    long failed = 0;
    StepStatus running = null;
    List<String> runningSteps = new ArrayList<>(); // steps of a stage may run side by side
    int planned = 0;
    for (StepStatus st : s.steps()) {
      total += st.unitsTotal();
      done += st.unitsDone();
      failed += st.unitsFailed();
      planned++;
      if (st.state() == StepState.RUNNING) {
        running = running == null ? st : running;
        runningSteps.add(st.step());
      }
    }
    StringBuilder b = new StringBuilder(name).append(' ').append(bar(done, total, s.state()));
    b.append(String.format("  %d/%d units", done, total));
    if (failed > 0) {
      b.append(", ").append(failed).append(" failed");
    }
    if (plan.steps().size() > 1) {
      String step =
          !runningSteps.isEmpty()
              ? String.join(", ", runningSteps)
              : s.steps().isEmpty() ? "" : s.steps().get(s.steps().size() - 1).step();
      b.append(String.format("  [%s %d/%d]", step, Math.max(planned, 1), plan.steps().size()));
    }
    if (s.state() == StageState.RUNNING && running != null) {
      OptionalDouble rate = StageEta.rate(running, now);
      OptionalDouble eta = StageEta.etaSeconds(running, now);
      if (rate.isPresent()) {
        b.append(String.format("  %.1f/s", rate.getAsDouble()));
      }
      if (eta.isPresent()) {
        b.append("  ETA ").append(clock(Duration.ofSeconds((long) Math.ceil(eta.getAsDouble()))));
      }
    } else {
      b.append("  ").append(s.state().name().toLowerCase().replace('_', ' '));
      if (s.resumes() > 0) {
        b.append(" (").append(s.resumes()).append(s.resumes() == 1 ? " resume)" : " resumes)");
      }
    }
    return b.toString();
  }

  private static String bar(long done, long total, StageState state) {
    int filled =
        total <= 0 ? (state == StageState.DONE ? BAR : 0) : (int) Math.min(BAR, done * BAR / total);
    return "#".repeat(filled) + "-".repeat(BAR - filled);
  }

  static String clock(Duration d) {
    long s = Math.max(0, d.getSeconds());
    return s >= 3600
        ? String.format("%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }
}
