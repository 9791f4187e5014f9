package org.connectome.bench;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.connectome.bench.naive.NaiveActivitiesImpl;
import org.connectome.bench.naive.NaiveWorkflow;
import org.connectome.bench.naive.NaiveWorkflowImpl;

/**
 * The naive design at growing unit counts, each on a fresh test server: one workflow, one activity
 * per unit, a window of pending activities. The test server does not enforce Temporal's limits, so
 * the benchmark applies them by rule: the ladder stops at the first count whose history passes
 * 51,200 events or 50 MB, and a window above 2,000 breaks the pending-activity limit whatever the
 * count.
 */
public final class NaiveBench {
  public static final String QUEUE = "naive";

  /** One point of the ladder. */
  public record Point(
      long units,
      int window,
      String state,
      double wallSeconds,
      double cpuSeconds,
      double cpuSecondsPer1000Units,
      long peakHeapBytes,
      int events,
      long historyBytes,
      double eventsPerUnit,
      int workflowTasksCompleted,
      int activitiesScheduled,
      int maxPendingActivities,
      long heartbeats,
      double actionsPer1000Units,
      List<String> limitsBroken) {}

  /**
   * @param breaksAtUnits units at which one naive workflow passes the history limit (extrapolated
   *     from the largest run below it), or 0 when none of the runs passed it
   * @param breaksBy what breaks there
   * @param largestSurviving the largest run within every limit, or null
   */
  public record NaiveReport(
      ScaleReport.Machine machine,
      String options,
      List<Point> points,
      long breaksAtUnits,
      String breaksBy,
      Point largestSurviving,
      String pendingActivityRule) {}

  private final BenchOptions o;
  private final PrintStream out;

  public NaiveBench(BenchOptions o, PrintStream out) {
    this.o = o;
    this.out = out;
  }

  public NaiveReport run() throws Exception {
    Path dir = o.out.toAbsolutePath().resolve("naive");
    ScaleBench.deleteTree(dir);
    Files.createDirectories(dir);
    List<Point> points = new ArrayList<>();
    long breaksAt = 0;
    String breaksBy = null;
    for (long n : o.naiveUnits) {
      int window = o.naiveWindow == null ? (int) n : o.naiveWindow;
      Point p = runOne(dir, n, window);
      points.add(p);
      out.printf(
          Locale.ROOT,
          "[naive] %,d units, window %,d: %s in %.1f s wall, %.1f s CPU; history %,d events "
              + "(%.2f per unit), %.1f MB; %s%n",
          n,
          window,
          p.state(),
          p.wallSeconds(),
          p.cpuSeconds(),
          p.events(),
          p.eventsPerUnit(),
          p.historyBytes() / 1e6,
          p.limitsBroken().isEmpty()
              ? "within limits"
              : "BREAKS: " + String.join("; ", p.limitsBroken()));
      boolean historyBroken =
          p.events() > ScaleBench.HISTORY_EVENT_LIMIT
              || p.historyBytes() > ScaleBench.HISTORY_BYTES_LIMIT;
      if (historyBroken) {
        // where it breaks: the largest count whose history still fits, from the events per unit
        // measured here
        long byEvents = (long) Math.floor(ScaleBench.HISTORY_EVENT_LIMIT / p.eventsPerUnit());
        long byBytes =
            (long) Math.floor(ScaleBench.HISTORY_BYTES_LIMIT / ((double) p.historyBytes() / n));
        breaksAt = Math.min(byEvents, byBytes);
        breaksBy =
            byEvents <= byBytes ? "history limit of 51,200 events" : "history limit of 50 MB";
        break;
      }
    }
    Point surviving =
        points.stream().filter(p -> p.limitsBroken().isEmpty()).reduce((a, b) -> b).orElse(null);
    String rule =
        "with every unit started at once (window = units), more than 2,000 units break the limit of 2,000 "
            + "pending activities per workflow; a window of "
            + (o.naiveWindow == null ? "all" : o.naiveWindow)
            + " was used here"
            + (o.naiveWindow != null && o.naiveWindow > ScaleBench.PENDING_ACTIVITY_LIMIT
                ? " (itself above the limit)"
                : "");
    NaiveReport r =
        new NaiveReport(
            ScaleBench.machine(),
            o.describe() + ", naive window " + (o.naiveWindow == null ? "all" : o.naiveWindow),
            points,
            breaksAt,
            breaksBy,
            surviving,
            rule);
    Reports.write(r, o.out.toAbsolutePath());
    out.print(Reports.naiveSummary(r));
    return r;
  }

  private Point runOne(Path dir, long n, int window) throws Exception {
    InMemoryMarkerStores markers = new InMemoryMarkerStores();
    try (BenchPlatform p =
        new BenchPlatform(
            dir.resolve("catalog-" + n),
            o.server,
            o.serverJavaOptions,
            o.maxShards,
            null,
            markers,
            java.util.Set.of())) {
      Worker w =
          p.factory.newWorker(
              QUEUE,
              WorkerOptions.newBuilder()
                  .setMaxConcurrentActivityExecutionSize(o.maxShards + 8)
                  .build());
      w.registerWorkflowImplementationTypes(NaiveWorkflowImpl.class);
      w.registerActivitiesImplementations(
          new NaiveActivitiesImpl(
              markers, DurationModel.parse(o.taskMillis), o.failureRate, o.seed));
      p.factory.start();
      String stepKey = dir.resolve("step-" + n).toString();
      ResourceSampler s = new ResourceSampler(100);
      NaiveWorkflow wf =
          p.client.newWorkflowStub(
              NaiveWorkflow.class,
              WorkflowOptions.newBuilder().setWorkflowId("naive/" + n).setTaskQueue(QUEUE).build());
      WorkflowExecution e =
          WorkflowClient.start(wf::run, new NaiveWorkflow.Input(stepKey, "h", n, window));
      String state;
      try {
        NaiveWorkflow.Result res =
            p.client
                .newUntypedWorkflowStub(e, java.util.Optional.empty())
                .getResult(NaiveWorkflow.Result.class);
        state = res.unitsDone() == n ? "DONE" : "DONE, " + res.unitsDone() + " of " + n + " units";
      } catch (RuntimeException ex) {
        state = "FAILED: " + ex.getMessage();
      }
      s.close();
      double wall = s.wallSeconds();
      double cpu = s.cpuSeconds();
      long peak = s.peakHeapUsedPolled();
      HistoryStats.Execution h = HistoryStats.measure(p.client, e, "NaiveWorkflow");
      Map<String, Long> req = p.requestsByOperation();
      long hb = req.getOrDefault("RecordActivityTaskHeartbeat", 0L);
      List<String> broken = new ArrayList<>();
      if (h.events() > ScaleBench.HISTORY_EVENT_LIMIT) {
        broken.add("history " + h.events() + " events > 51,200");
      }
      if (h.bytes() > ScaleBench.HISTORY_BYTES_LIMIT) {
        broken.add("history " + h.bytes() + " bytes > 50 MB");
      }
      if (h.maxPendingActivities() > ScaleBench.PENDING_ACTIVITY_LIMIT) {
        broken.add(h.maxPendingActivities() + " pending activities > 2,000");
      }
      double k = n / 1000.0;
      return new Point(
          n,
          window,
          state,
          wall,
          cpu,
          cpu / k,
          peak,
          h.events(),
          h.bytes(),
          (double) h.events() / n,
          h.workflowTasksCompleted(),
          h.activitiesScheduled(),
          h.maxPendingActivities(),
          hb,
          (h.workflowTasksCompleted() + h.activitiesScheduled() + 1 + hb) / k,
          broken);
    }
  }
}
