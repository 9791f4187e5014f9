package org.connectome.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunEvent;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunStatus;
import org.connectome.catalog.StageStatus;
import org.connectome.catalog.StepStatus;

/** The tables {@code status} prints. */
final class StatusTable {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

  private StatusTable() {}

  static void runs(PrintStream out, List<StatusCommand.RunView> runs) {
    if (runs.isEmpty()) {
      out.println("no runs");
      return;
    }
    out.printf(
        "%-32s %-10s %-10s %-22s %-19s %s%n",
        "RUN", "STATE", "STAGE", "UNITS DONE/TOTAL", "UPDATED", "TEMPORAL");
    for (StatusCommand.RunView v : runs) {
      RunStatus r = v.status();
      if (r == null) {
        out.printf("%-32s %-10s %-10s %-22s %-19s %s%n", "?", "-", "-", "-", "-", v.temporal());
        continue;
      }
      String stage = "-";
      long done = 0;
      long total = 0;
      for (StageStatus s : r.stages()) {
        if (!s.state().isTerminal()) {
          stage = s.stage();
        }
        for (StepStatus st : s.steps()) {
          done += st.unitsDone();
          total += st.unitsTotal();
        }
      }
      if (r.run().state().isTerminal()) {
        stage = "-";
      }
      out.printf(
          "%-32s %-10s %-10s %-22s %-19s %s%n",
          r.run().runId(),
          r.run().state(),
          stage,
          done + "/" + total,
          time(r.run().updatedAt()),
          v.temporal());
    }
  }

  /**
   * Why a paused run is held for review (a stage missed a QC gate), from its events newest first:
   * the latest hold when no resume or approval came after it; else null.
   */
  static String heldFor(List<RunEvent> newestFirst) {
    for (RunEvent e : newestFirst) {
      if (e.kind() == EventKind.RUN_UNPAUSED) {
        return null;
      }
      if (e.kind() == EventKind.RUN_HELD) {
        return e.message();
      }
    }
    return null;
  }

  static void run(PrintStream out, RunStatus r, String temporal, List<RunEvent> events) {
    run(out, r, temporal, events, null);
  }

  static void run(
      PrintStream out, RunStatus r, String temporal, List<RunEvent> events, String held) {
    RunRecord run = r.run();
    out.printf("run        %s%n", run.runId());
    out.printf("state      %s%n", held == null ? run.state() : "HELD FOR REVIEW");
    if (held != null) {
      out.printf("review     %s%n", held);
      out.printf(
          "           'connectome approve %s' goes on, 'connectome cancel %s' stops%n",
          run.runId(), run.runId());
    }
    out.printf("workflow   %s%n", run.workflowId() == null ? "-" : run.workflowId());
    out.printf("temporal   %s%n", temporal);
    out.printf("started    %s%n", time(run.startedAt()));
    if (run.finishedAt() != null) {
      out.printf(
          "finished   %s (%s)%n",
          time(run.finishedAt()),
          run.startedAt() == null
              ? "-"
              : ProgressView.clock(Duration.between(run.startedAt(), run.finishedAt())));
    }
    if (run.error() != null) {
      out.printf("error      %s%n", run.error().replace("\n", "\n           "));
    }
    out.println();
    out.printf(
        "%-10s %-12s %-20s %10s %10s %8s %8s %7s %8s%n",
        "STAGE", "STEP", "STATE", "DONE", "TOTAL", "FAILED", "RUNNING", "SHARDS", "RESUMES");
    for (StageStatus s : r.stages()) {
      out.printf(
          "%-10s %-12s %-20s %10s %10s %8s %8s %7s %8d%n",
          s.stage(), "", s.state(), "", "", "", "", "", s.resumes());
      for (StepStatus st : s.steps()) {
        out.printf(
            "%-10s %-12s %-20s %10d %10d %8d %8d %7d %8s%n",
            "",
            st.step(),
            st.state(),
            st.unitsDone(),
            st.unitsTotal(),
            st.unitsFailed(),
            st.unitsRunning(),
            st.shardsTotal(),
            "");
      }
    }
    if (!events.isEmpty()) {
      out.println();
      out.println("recent events (newest first):");
      for (RunEvent e : events) {
        String where =
            e.stage() == null ? "" : e.stage() + (e.step() == null ? "" : "." + e.step()) + " ";
        String msg =
            e.message() == null
                ? ""
                : e.message().replace("\n", "\n                                ");
        out.printf("  %s %-14s %s%s%n", time(e.at()), e.kind(), where, msg);
      }
    }
  }

  static String time(Instant t) {
    return t == null ? "-" : TIME.format(t);
  }
}
