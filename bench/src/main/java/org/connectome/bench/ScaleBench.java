package org.connectome.bench;

import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.connectome.catalog.RunStatus;
import org.connectome.catalog.StageStatus;
import org.connectome.catalog.StepStatus;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.WorkflowIds;
import org.connectome.workflows.WorkflowTuning;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;

/** Runs the H01-shaped plan at one scale through the real workflows and measures it. */
public final class ScaleBench {
  public static final int HISTORY_EVENT_LIMIT = 51_200;
  public static final long HISTORY_BYTES_LIMIT = 50L * 1024 * 1024;
  public static final int PENDING_ACTIVITY_LIMIT = 2_000;
  public static final int EVENT_TARGET = 10_000;
  public static final long HEAP_TARGET = 1L << 30;
  public static final int UNITS_PER_JOB_TARGET = 1_000;
  public static final double SECONDS_PER_MILLION_UNITS_TARGET = 60;

  private final BenchOptions o;
  private final PrintStream out;

  public ScaleBench(BenchOptions o, PrintStream out) {
    this.o = o;
    this.out = out;
  }

  public ScaleReport run(double scale) throws Exception {
    String label = H01Plan.label(scale);
    Path dir = o.out.toAbsolutePath().resolve("scale-" + label);
    deleteTree(dir);
    Files.createDirectories(dir);
    String runName = "s" + label.replace('.', '_');
    RunSpec spec = H01Plan.spec(scale, runName, dir.resolve("data"), o.overrides());
    Files.writeString(
        dir.resolve("h01-" + label + ".yaml"),
        H01Plan.yaml(scale, runName, dir.resolve("data"), o.overrides()));
    List<H01Plan.PlannedStep> plan = H01Plan.plan(spec);
    printPlan(label, spec, plan);
    if (o.planOnly) {
      return null;
    }

    ResourceSampler[] sampler = new ResourceSampler[1];
    InMemoryMarkerStores markers =
        new InMemoryMarkerStores(
            layout -> {
              if (sampler[0] != null) {
                Path d = layout.dir();
                sampler[0].step(d.getParent().getFileName() + "." + d.getFileName());
              }
            });
    try (SimulatedExecutor executor =
            new SimulatedExecutor(
                markers,
                DurationModel.parse(o.taskMillis),
                o.failureRate,
                o.permanentFailureRate,
                o.backoffScale,
                o.seed);
        BenchPlatform p =
            new BenchPlatform(
                dir.resolve("catalog"),
                o.server,
                o.serverJavaOptions,
                o.maxShards,
                executor,
                markers,
                shardQueues(spec))) {
      p.factory.start();
      WorkflowTuning tuning = new WorkflowTuning(o.eventCap, null);
      out.printf(
          Locale.ROOT,
          "%n[%s] running %s on the real workflows (%s)%n",
          label,
          spec.runId(),
          o.describe());
      sampler[0] = new ResourceSampler(100);
      ProgressPrinter progress = new ProgressPrinter(p, spec.runId(), out, label);
      RunLauncher.Launch launch = new RunLauncher(p.client).launch(spec, 0, tuning);
      WorkflowStub stub = p.client.newUntypedWorkflowStub(launch.execution(), Optional.empty());
      SampleRunResult result = stub.getResult(SampleRunResult.class);
      progress.close();
      sampler[0].close();
      double wall = sampler[0].wallSeconds();
      double cpu = sampler[0].cpuSeconds();
      ScaleReport.Server serverFigures =
          new ScaleReport.Server(
              o.server.name().toLowerCase(Locale.ROOT).replace('_', '-'),
              p.serverCpu() == null ? null : p.serverCpu().toMillis() / 1000.0,
              p.serverPeakRssBytes(),
              p.serverDatabaseBytes());
      long peakPolled = sampler[0].peakHeapUsedPolled();
      long peakPools = ResourceSampler.peakHeapPools();
      long gcCount = sampler[0].gcCountDelta();
      long gcMillis = sampler[0].gcMillisDelta();
      Map<String, double[]> stepCpu = sampler[0].perStep();
      long live = ResourceSampler.liveHeapAfterGc();
      out.printf(
          Locale.ROOT,
          "[%s] run %s in %.1f s wall, %.1f s CPU; measuring histories...%n",
          label,
          result.state(),
          wall,
          cpu);

      List<HistoryStats.Execution> executions =
          HistoryStats.measureAll(p.client, p.service, BenchPlatform.NAMESPACE);
      Map<String, Long> requests = p.requestsByOperation();
      RunStatus status = p.catalog.progress().status(spec.runId());
      ScaleReport report =
          assemble(
              label,
              spec,
              plan,
              result,
              wall,
              cpu,
              serverFigures,
              new ScaleReport.Heap(
                  peakPolled, peakPools, live, Runtime.getRuntime().maxMemory(), gcCount, gcMillis),
              executions,
              requests,
              status,
              executor,
              markers,
              stepCpu);
      Reports.write(report, o.out.toAbsolutePath());
      out.print(Reports.summary(report));
      return report;
    }
  }

  /** The task queues of every step's shards (ingest may have its own). */
  static java.util.Set<String> shardQueues(RunSpec spec) {
    java.util.Set<String> q = new java.util.TreeSet<>();
    for (org.connectome.pipeline.StepConfig c : org.connectome.pipeline.Pipeline.steps(spec)) {
      q.add(c.taskQueue());
    }
    return q;
  }

  private ScaleReport assemble(
      String label,
      RunSpec spec,
      List<H01Plan.PlannedStep> plan,
      SampleRunResult result,
      double wall,
      double cpu,
      ScaleReport.Server serverFigures,
      ScaleReport.Heap heap,
      List<HistoryStats.Execution> executions,
      Map<String, Long> requests,
      RunStatus status,
      SimulatedExecutor executor,
      InMemoryMarkerStores markers,
      Map<String, double[]> stepCpu) {
    String runWorkflow = WorkflowIds.forRun(spec.sample(), spec.run());
    // executions by step name (a step's chains over automatic resumes are summed)
    Map<String, List<HistoryStats.Execution>> byStep = new LinkedHashMap<>();
    HistoryStats.Execution largest = null;
    long totalEvents = 0;
    int can = 0;
    int sampleRunEvents = 0;
    int maxPending = 0;
    long wft = 0;
    long activities = 0;
    long children = 0;
    long timers = 0;
    for (HistoryStats.Execution e : executions) {
      totalEvents += e.events();
      can += e.continuedAsNew() ? 1 : 0;
      wft += e.workflowTasksCompleted();
      activities += e.activitiesScheduled();
      children += e.childWorkflowsStarted();
      timers += e.timersStarted();
      maxPending = Math.max(maxPending, e.maxPendingActivities());
      if (largest == null || e.events() > largest.events()) {
        largest = e;
      }
      if (e.workflowId().equals(runWorkflow)) {
        sampleRunEvents = Math.max(sampleRunEvents, e.events());
      } else if (e.workflowId().startsWith(runWorkflow + "/")) {
        String rest = e.workflowId().substring(runWorkflow.length() + 1);
        byStep.computeIfAbsent(rest.substring(0, rest.indexOf('/')), k -> new ArrayList<>()).add(e);
      }
    }
    Map<String, StepStatus> catalogSteps = new LinkedHashMap<>();
    for (StageStatus st : status.stages()) {
      for (StepStatus s : st.steps()) {
        catalogSteps.put(st.stage() + "." + s.step(), s);
      }
    }
    Map<String, SimulatedExecutor.StepCounts> counts = executor.perStep();
    List<ScaleReport.Step> steps = new ArrayList<>();
    long unitsTotal = 0;
    long unitsDone = 0;
    long jobs = 0;
    long pods = 0;
    long minUnitsPerJob = Long.MAX_VALUE;
    String minStep = null;
    for (H01Plan.PlannedStep ps : plan) {
      StepStatus cs = catalogSteps.get(ps.name());
      List<HistoryStats.Execution> ex = byStep.getOrDefault(ps.name(), List.of());
      SimulatedExecutor.StepCounts c = counts.get(ps.name());
      long sj = c == null ? 0 : c.jobs.sum();
      long sp = c == null ? 0 : c.pods.sum();
      jobs += sj;
      pods += sp;
      long done = cs == null ? 0 : cs.unitsDone();
      unitsTotal += ps.units();
      unitsDone += done;
      if (ps.units() >= UNITS_PER_JOB_TARGET && ps.unitsPerJob() < minUnitsPerJob) {
        minUnitsPerJob = ps.unitsPerJob();
        minStep = ps.name();
      }
      double stepWall = 0;
      if (!ex.isEmpty()) {
        var first =
            ex.stream()
                .map(HistoryStats.Execution::start)
                .min(Comparator.naturalOrder())
                .orElseThrow();
        var last =
            ex.stream()
                .map(HistoryStats.Execution::close)
                .max(Comparator.naturalOrder())
                .orElseThrow();
        stepWall = java.time.Duration.between(first, last).toMillis() / 1000.0;
      }
      double stepCpuS = stepCpu.getOrDefault(ps.name(), new double[2])[0];
      steps.add(
          new ScaleReport.Step(
              ps.name(),
              ps.unitKind(),
              ps.units(),
              done,
              ps.unitsPerTask(),
              ps.tasksPerShard(),
              ps.unitsPerJob(),
              ps.tasks(),
              ps.shards(),
              sj,
              sp,
              c == null ? 0 : c.attemptsFailed.sum(),
              ex.size(),
              (int) ex.stream().filter(HistoryStats.Execution::continuedAsNew).count(),
              ex.stream().mapToLong(HistoryStats.Execution::events).sum(),
              ex.stream().mapToInt(HistoryStats.Execution::events).max().orElse(0),
              ex.stream().mapToLong(HistoryStats.Execution::bytes).max().orElse(0),
              ex.stream().mapToLong(HistoryStats.Execution::workflowTasksCompleted).sum(),
              ex.stream().mapToLong(HistoryStats.Execution::activitiesScheduled).sum(),
              ex.stream().mapToInt(HistoryStats.Execution::maxPendingActivities).max().orElse(0),
              stepWall,
              stepCpuS,
              ps.units() == 0 ? 0 : stepWall * 1e6 / ps.units(),
              ps.units() == 0 ? 0 : stepCpuS * 1e6 / ps.units()));
    }
    long heartbeats = requests.getOrDefault("RecordActivityTaskHeartbeat", 0L);
    double k = unitsTotal / 1000.0;
    ScaleReport.Actions actions =
        new ScaleReport.Actions(
            wft,
            activities,
            children,
            timers,
            can,
            heartbeats,
            wft / k,
            activities / k,
            heartbeats / k,
            (wft + activities + children + timers + can + heartbeats) / k);
    ScaleReport.Kubernetes k8s =
        new ScaleReport.Kubernetes(
            jobs,
            pods,
            jobs == 0 ? 0 : (double) unitsTotal / jobs,
            minUnitsPerJob == Long.MAX_VALUE ? 0 : minUnitsPerJob,
            minStep,
            executor.podsRunningPeak(),
            pods / 45.0 / 3600);
    ScaleReport.Workflows wf =
        new ScaleReport.Workflows(
            executions.size(),
            largest == null ? 0 : largest.events(),
            largest == null ? null : largest.workflowId(),
            executions.stream().mapToLong(HistoryStats.Execution::bytes).max().orElse(0),
            totalEvents,
            can,
            sampleRunEvents,
            maxPending);
    var v = spec.volume();
    ScaleReport.Volume volume =
        new ScaleReport.Volume(
            v.sections(),
            v.width(),
            v.height(),
            spec.voxelSize().x()
                + " x "
                + spec.voxelSize().y()
                + " x "
                + spec.voxelSize().z()
                + " nm",
            "1024 x 1024 x 64 voxels");

    List<ScaleReport.Target> targets = new ArrayList<>();
    targets.add(
        new ScaleReport.Target(
            "the plan runs to completion",
            result.state()
                + (unitsDone == unitsTotal
                    ? ", all " + unitsTotal + " units done"
                    : ", " + unitsDone + " of " + unitsTotal + " units done"),
            SampleRunResult.DONE.equals(result.state()) && unitsDone == unitsTotal));
    targets.add(
        new ScaleReport.Target(
            "no workflow execution passes " + EVENT_TARGET + " events",
            "largest " + wf.largestEvents() + " events (" + wf.largestEventsWorkflow() + ")",
            wf.largestEvents() < EVENT_TARGET));
    targets.add(
        new ScaleReport.Target(
            "peak heap under 1 GB (max heap " + heap.maxHeapBytes() / (1 << 20) + " MiB)",
            "peak in use "
                + heap.peakUsedPolledBytes() / (1 << 20)
                + " MiB (polled), live after the run "
                + heap.liveAfterRunBytes() / (1 << 20)
                + " MiB",
            heap.peakUsedPolledBytes() < HEAP_TARGET
                && heap.maxHeapBytes() <= HEAP_TARGET + (64L << 20)));
    List<String> below =
        steps.stream()
            .filter(
                s -> s.units() >= UNITS_PER_JOB_TARGET && s.unitsPerJob() < UNITS_PER_JOB_TARGET)
            .map(s -> s.name() + " " + s.unitsPerJob())
            .toList();
    long minBig =
        steps.stream()
            .filter(s -> s.units() >= 10_000)
            .mapToLong(ScaleReport.Step::unitsPerJob)
            .min()
            .orElse(0);
    targets.add(
        new ScaleReport.Target(
            "at least "
                + UNITS_PER_JOB_TARGET
                + " units per Job in the default grouping (steps of >= 1,000 units)",
            "steps of >= 10,000 units: smallest "
                + minBig
                + (below.isEmpty()
                    ? "; every step meets it"
                    : "; below it: " + String.join(", ", below)),
            below.isEmpty()));
    ScaleReport.Step slowest =
        steps.stream()
            .filter(s -> s.units() >= 10_000)
            .max(Comparator.comparingDouble(ScaleReport.Step::wallSecondsPerMillionUnits))
            .orElse(null);
    if (slowest != null) {
      targets.add(
          new ScaleReport.Target(
              "a million-unit step adds under a minute of orchestration",
              String.format(
                  Locale.ROOT,
                  "slowest step %s: %.1f s wall and %.1f s CPU per million units",
                  slowest.name(),
                  slowest.wallSecondsPerMillionUnits(),
                  slowest.cpuSecondsPerMillionUnits()),
              slowest.wallSecondsPerMillionUnits() < SECONDS_PER_MILLION_UNITS_TARGET));
    }
    return new ScaleReport(
        label,
        spec.runId(),
        machine(),
        o.describe(),
        volume,
        result.state(),
        result.error(),
        wall,
        cpu,
        serverFigures,
        unitsTotal,
        unitsDone,
        markers.totalMarked(),
        cpu / k,
        wall / k,
        heap,
        wf,
        actions,
        k8s,
        executor.failuresByKind(),
        requests,
        steps,
        targets,
        executions);
  }

  private void printPlan(String label, RunSpec spec, List<H01Plan.PlannedStep> plan) {
    out.printf(
        Locale.ROOT,
        "[%s] plan of %s: %d sections, %d x %d voxels at %s x %s x %s nm%n",
        label,
        spec.runId(),
        spec.volume().sections(),
        spec.volume().width(),
        spec.volume().height(),
        spec.voxelSize().x(),
        spec.voxelSize().y(),
        spec.voxelSize().z());
    long units = 0;
    long tasks = 0;
    long shards = 0;
    for (H01Plan.PlannedStep s : plan) {
      out.printf(
          Locale.ROOT,
          "  %-22s %,11d %-14s %3d units/task x %4d tasks/shard = %,6d units/Job: %,9d tasks, %,7d shards%n",
          s.name(),
          s.units(),
          s.unitKind(),
          s.unitsPerTask(),
          s.tasksPerShard(),
          s.unitsPerJob(),
          s.tasks(),
          s.shards());
      units += s.units();
      tasks += s.tasks();
      shards += s.shards();
    }
    out.printf(
        Locale.ROOT,
        "  %-22s %,11d units, %,d tasks (pods), %,d shards (Jobs)%n",
        "total",
        units,
        tasks,
        shards);
  }

  static ScaleReport.Machine machine() {
    String cpu = "?";
    String mem = "?";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .findFirst()
              .orElse("?");
      mem =
          Files.readAllLines(Path.of("/proc/meminfo")).stream()
              .filter(l -> l.startsWith("MemTotal"))
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .findFirst()
              .orElse("?");
    } catch (IOException e) {
      // not Linux: leave unknown
    }
    return new ScaleReport.Machine(
        cpu,
        Runtime.getRuntime().availableProcessors(),
        mem,
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.version"),
        Runtime.getRuntime().maxMemory(),
        String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Prints the running step's progress from the catalog every 15 s. */
  static final class ProgressPrinter implements AutoCloseable {
    private final Thread thread;

    ProgressPrinter(BenchPlatform p, String runId, PrintStream out, String label) {
      long t0 = System.nanoTime();
      thread =
          new Thread(
              () -> {
                while (true) {
                  try {
                    Thread.sleep(15_000);
                  } catch (InterruptedException e) {
                    return;
                  }
                  try {
                    RunStatus s = p.catalog.progress().status(runId);
                    long done = 0;
                    long total = 0;
                    String current = "";
                    for (StageStatus st : s.stages()) {
                      for (StepStatus step : st.steps()) {
                        done += step.unitsDone();
                        total += step.unitsTotal();
                        if (step.state().name().equals("RUNNING")) {
                          current =
                              st.stage()
                                  + "."
                                  + step.step()
                                  + " "
                                  + step.unitsDone()
                                  + "/"
                                  + step.unitsTotal();
                        }
                      }
                    }
                    out.printf(
                        Locale.ROOT,
                        "[%s] %4.0f s: %,d units done of the %,d planned so far; running %s; heap %d MiB%n",
                        label,
                        (System.nanoTime() - t0) / 1e9,
                        done,
                        total,
                        current,
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20);
                  } catch (RuntimeException e) {
                    out.println("[" + label + "] progress: " + e.getMessage());
                  }
                }
              },
              "bench-progress");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() {
      thread.interrupt();
    }
  }
}
