package org.connectome.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.connectome.pipeline.Json;

/** JSON and Markdown reports, and the summaries printed at the end. */
public final class Reports {
  private Reports() {}

  public static void write(ScaleReport r, Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("bench-" + r.scale() + ".json"),
        Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(r) + "\n");
    Files.writeString(dir.resolve("bench-" + r.scale() + ".md"), markdown(r));
  }

  public static void write(NaiveBench.NaiveReport r, Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("bench-naive.json"),
        Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(r) + "\n");
    Files.writeString(dir.resolve("bench-naive.md"), markdown(r));
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
  }

  public static String markdown(ScaleReport r) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "# Orchestration benchmark, H01 scale %s%n%n", r.scale()));
    b.append(
        String.format(
            Locale.ROOT,
            "Machine: %s, %d CPUs, %s memory, %s, JVM args `%s`.%n%n",
            r.machine().cpu(),
            r.machine().cpus(),
            r.machine().memory(),
            r.machine().jdk(),
            r.machine().jvmArgs()));
    b.append("Options: ").append(r.options()).append(".\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "Volume: %,d sections of %,d x %,d voxels at %s; blocks %s.%n%n",
            r.volume().sections(),
            r.volume().width(),
            r.volume().height(),
            r.volume().voxelSize(),
            r.volume().blocks()));
    b.append(
        String.format(
            Locale.ROOT,
            "Result: **%s**%s, %,d of %,d units done.%n%n",
            r.state(),
            r.error() == null ? "" : " (" + r.error() + ")",
            r.unitsDone(),
            r.unitsTotal()));
    b.append(summaryTable(r));
    b.append("\n## Steps\n\n");
    b.append(
        "| step | units | units/task x tasks/shard = units/Job | shards planned | Jobs / pods created | "
            + "failed attempts | executions (CAN) | events total / largest | WFT completed | activities | max pending "
            + "| wall s | CPU s | wall s per 1M units | CPU s per 1M units |\n");
    b.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (ScaleReport.Step s : r.steps()) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %d x %d = %,d | %,d | %,d / %,d | %,d | %d (%d) | %,d / %,d | %,d | %,d | %d | %.1f | %.1f | %.1f | %.1f |%n",
              s.name(),
              s.units(),
              s.unitsPerTask(),
              s.tasksPerShard(),
              s.unitsPerJob(),
              s.shardsPlanned(),
              s.jobsCreated(),
              s.podsCreated(),
              s.attemptsFailed(),
              s.workflowExecutions(),
              s.continuedAsNew(),
              s.events(),
              s.largestEvents(),
              s.workflowTasksCompleted(),
              s.activitiesScheduled(),
              s.maxPendingActivities(),
              s.wallSeconds(),
              s.cpuSeconds(),
              s.wallSecondsPerMillionUnits(),
              s.cpuSecondsPerMillionUnits()));
    }
    b.append("\n## Targets\n\n| target | measured | met |\n|---|---|---|\n");
    for (ScaleReport.Target t : r.targets()) {
      b.append("| ")
          .append(t.target())
          .append(" | ")
          .append(t.measured())
          .append(" | ")
          .append(t.met() ? "yes" : "**no**")
          .append(" |\n");
    }
    if (!r.failuresByKind().isEmpty()) {
      b.append("\nFailed task attempts by kind: ").append(r.failuresByKind()).append("\n");
    }
    b.append("\nSDK requests by operation: ").append(r.sdkRequests()).append("\n");
    return b.toString();
  }

  private static String summaryTable(ScaleReport r) {
    StringBuilder b = new StringBuilder("| figure | value |\n|---|--:|\n");
    row(b, "units (all steps)", String.format(Locale.ROOT, "%,d", r.unitsTotal()));
    row(b, "wall time", String.format(Locale.ROOT, "%.1f s", r.wallSeconds()));
    row(b, "orchestrator CPU time", String.format(Locale.ROOT, "%.1f s", r.cpuSeconds()));
    row(b, "Temporal server", r.server().kind());
    if (r.server().cpuSeconds() != null) {
      row(b, "server CPU time", String.format(Locale.ROOT, "%.1f s", r.server().cpuSeconds()));
    }
    if (r.server().peakRssBytes() != null) {
      row(
          b,
          "server peak memory (RSS)",
          String.format(Locale.ROOT, "%.0f MiB", r.server().peakRssBytes() / 1048576.0));
    }
    if (r.server().databaseBytes() != null) {
      row(
          b,
          "server SQLite files",
          String.format(Locale.ROOT, "%.1f MiB", r.server().databaseBytes() / 1048576.0));
    }
    row(
        b,
        "orchestrator CPU per 1,000 units",
        String.format(Locale.ROOT, "%.4f s", r.cpuSecondsPer1000Units()));
    row(
        b,
        "wall per 1,000 units",
        String.format(Locale.ROOT, "%.4f s", r.wallSecondsPer1000Units()));
    row(
        b,
        "peak heap in use (polled / pool peaks)",
        mib(r.heap().peakUsedPolledBytes()) + " / " + mib(r.heap().peakPoolsBytes()));
    row(b, "heap live after the run (after full GC)", mib(r.heap().liveAfterRunBytes()));
    row(b, "max heap (-Xmx)", mib(r.heap().maxHeapBytes()));
    row(
        b,
        "GCs (time)",
        String.format(Locale.ROOT, "%,d (%,d ms)", r.heap().gcCount(), r.heap().gcMillis()));
    row(b, "workflow executions", String.format(Locale.ROOT, "%,d", r.workflows().executions()));
    row(
        b,
        "largest history",
        String.format(
            Locale.ROOT,
            "%,d events (%s), largest %,d bytes",
            r.workflows().largestEvents(),
            r.workflows().largestEventsWorkflow(),
            r.workflows().largestBytes()));
    row(b, "total history events", String.format(Locale.ROOT, "%,d", r.workflows().totalEvents()));
    row(b, "continue-as-new", String.format(Locale.ROOT, "%,d", r.workflows().continuedAsNew()));
    row(
        b,
        "SampleRunWorkflow history",
        String.format(Locale.ROOT, "%,d events", r.workflows().sampleRunEvents()));
    row(
        b,
        "most activities pending in one workflow",
        String.format(Locale.ROOT, "%,d", r.workflows().maxPendingActivities()));
    row(
        b,
        "shards = Kubernetes Jobs created",
        String.format(Locale.ROOT, "%,d", r.kubernetes().jobs()));
    row(
        b,
        "task attempts = pods created",
        String.format(Locale.ROOT, "%,d", r.kubernetes().pods()));
    row(
        b,
        "units per Job (all units / Jobs)",
        String.format(Locale.ROOT, "%,.0f", r.kubernetes().unitsPerJobOverall()));
    row(
        b,
        "smallest units per Job, steps of >= 1,000 units",
        String.format(
            Locale.ROOT,
            "%,d (%s)",
            r.kubernetes().minUnitsPerJobLargeSteps(),
            r.kubernetes().minUnitsPerJobStep()));
    row(
        b,
        "Job-controller time for the pods at 45 pods/s",
        String.format(Locale.ROOT, "%.2f h", r.kubernetes().jobControllerHoursAt45PodsPerSecond()));
    row(
        b,
        "workflow tasks completed (per 1,000 units)",
        String.format(
            Locale.ROOT,
            "%,d (%.3f)",
            r.actions().workflowTasksCompleted(),
            r.actions().workflowTasksPer1000Units()));
    row(
        b,
        "activities scheduled (per 1,000 units)",
        String.format(
            Locale.ROOT,
            "%,d (%.3f)",
            r.actions().activitiesScheduled(),
            r.actions().activitiesPer1000Units()));
    row(
        b,
        "heartbeats sent (per 1,000 units)",
        String.format(
            Locale.ROOT,
            "%,d (%.3f)",
            r.actions().heartbeats(),
            r.actions().heartbeatsPer1000Units()));
    row(
        b,
        "child workflows, timers, continue-as-new",
        String.format(
            Locale.ROOT,
            "%,d, %,d, %,d",
            r.actions().childWorkflows(),
            r.actions().timers(),
            r.actions().continueAsNew()));
    row(
        b,
        "Temporal actions per 1,000 units (all of the above)",
        String.format(Locale.ROOT, "%.3f", r.actions().allPer1000Units()));
    return b.toString();
  }

  private static void row(StringBuilder b, String k, String v) {
    b.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }

  public static String summary(ScaleReport r) {
    StringBuilder b =
        new StringBuilder(
            String.format(Locale.ROOT, "%n== H01 scale %s: %s ==%n", r.scale(), r.state()));
    b.append(summaryTable(r).replace("|---|--:|\n", "").replace("| figure | value |\n", ""));
    for (ScaleReport.Target t : r.targets()) {
      b.append(t.met() ? "  MET     " : "  MISSED  ")
          .append(t.target())
          .append(": ")
          .append(t.measured())
          .append('\n');
    }
    return b.toString();
  }

  public static String markdown(NaiveBench.NaiveReport r) {
    StringBuilder b =
        new StringBuilder("# Naive design: one activity per unit in one workflow\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "Machine: %s, %d CPUs, %s memory, %s.%n%n",
            r.machine().cpu(),
            r.machine().cpus(),
            r.machine().memory(),
            r.machine().jdk()));
    b.append("Options: ").append(r.options()).append(".\n\n");
    b.append(
        "| units | window | state | wall s | CPU s | CPU s per 1,000 units | peak heap | history events | "
            + "events per unit | history MB | WFT completed | activities | max pending | actions per 1,000 units | "
            + "limits broken |\n|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for (NaiveBench.Point p : r.points()) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %,d | %,d | %s | %.1f | %.1f | %.3f | %s | %,d | %.2f | %.2f | %,d | %,d | %,d | %.0f | %s |%n",
              p.units(),
              p.window(),
              p.state(),
              p.wallSeconds(),
              p.cpuSeconds(),
              p.cpuSecondsPer1000Units(),
              mib(p.peakHeapBytes()),
              p.events(),
              p.eventsPerUnit(),
              p.historyBytes() / 1e6,
              p.workflowTasksCompleted(),
              p.activitiesScheduled(),
              p.maxPendingActivities(),
              p.actionsPer1000Units(),
              p.limitsBroken().isEmpty() ? "none" : String.join("; ", p.limitsBroken())));
    }
    b.append('\n');
    if (r.breaksAtUnits() > 0) {
      b.append(
          String.format(
              Locale.ROOT, "**Breaks at %,d units: %s.**%n%n", r.breaksAtUnits(), r.breaksBy()));
    } else {
      b.append("No run of the ladder passed the history limit.\n\n");
    }
    b.append("Pending activities: ").append(r.pendingActivityRule()).append(".\n");
    return b.toString();
  }

  public static String naiveSummary(NaiveBench.NaiveReport r) {
    return "\n" + markdown(r);
  }

  static String mapLine(Map<String, ?> m) {
    return m.toString();
  }
}
