package org.connectome.bench;

import java.util.List;
import java.util.Map;

/** Everything measured for one scale; written as JSON and Markdown. */
public record ScaleReport(
    String scale,
    String runId,
    Machine machine,
    String options,
    Volume volume,
    String state,
    String error,
    double wallSeconds,
    double cpuSeconds,
    Server server,
    long unitsTotal,
    long unitsDone,
    long unitsMarked,
    double cpuSecondsPer1000Units,
    double wallSecondsPer1000Units,
    Heap heap,
    Workflows workflows,
    Actions actions,
    Kubernetes kubernetes,
    Map<String, Long> failuresByKind,
    Map<String, Long> sdkRequests,
    List<Step> steps,
    List<Target> targets,
    List<HistoryStats.Execution> executions) {

  public record Machine(
      String cpu,
      int cpus,
      String memory,
      String jdk,
      String os,
      long maxHeapBytes,
      String jvmArgs) {}

  /**
   * The Temporal server the run used, measured when it is a process of its own.
   *
   * @param kind in-process, child JVM or the real local server
   * @param cpuSeconds its CPU time, or null in-process
   * @param peakRssBytes its peak resident memory (VmHWM), or null
   * @param databaseBytes the real server's SQLite files at the end, or null
   */
  public record Server(String kind, Double cpuSeconds, Long peakRssBytes, Long databaseBytes) {}

  public record Volume(long sections, long width, long height, String voxelSize, String blocks) {}

  /**
   * @param peakUsedPolledBytes heap in use at its largest, polled every 100 ms (garbage included)
   * @param peakPoolsBytes sum of the heap pools' own peaks (an upper bound)
   * @param liveAfterRunBytes heap in use after a full GC once the run ended (server state included
   *     when the server runs in-process)
   */
  public record Heap(
      long peakUsedPolledBytes,
      long peakPoolsBytes,
      long liveAfterRunBytes,
      long maxHeapBytes,
      long gcCount,
      long gcMillis) {}

  public record Workflows(
      int executions,
      int largestEvents,
      String largestEventsWorkflow,
      long largestBytes,
      long totalEvents,
      int continuedAsNew,
      int sampleRunEvents,
      int maxPendingActivities) {}

  /**
   * Temporal actions: from the histories (workflow tasks completed, activities scheduled, child
   * workflows, timers) and from the SDK's request counters (heartbeats sent).
   */
  public record Actions(
      long workflowTasksCompleted,
      long activitiesScheduled,
      long childWorkflows,
      long timers,
      long continueAsNew,
      long heartbeats,
      double workflowTasksPer1000Units,
      double activitiesPer1000Units,
      double heartbeatsPer1000Units,
      double allPer1000Units) {}

  /**
   * What the run would create on Kubernetes: one Indexed Job per shard execution, one pod per task
   * attempt.
   *
   * @param minUnitsPerJobLargeSteps the smallest nominal units per Job among steps with at least
   *     1,000 units
   */
  public record Kubernetes(
      long jobs,
      long pods,
      double unitsPerJobOverall,
      long minUnitsPerJobLargeSteps,
      String minUnitsPerJobStep,
      int podsRunningPeak,
      double jobControllerHoursAt45PodsPerSecond) {}

  public record Step(
      String name,
      String unitKind,
      long units,
      long unitsDone,
      int unitsPerTask,
      int tasksPerShard,
      long unitsPerJob,
      long tasksPlanned,
      long shardsPlanned,
      long jobsCreated,
      long podsCreated,
      long attemptsFailed,
      int workflowExecutions,
      int continuedAsNew,
      long events,
      int largestEvents,
      long largestBytes,
      long workflowTasksCompleted,
      long activitiesScheduled,
      int maxPendingActivities,
      double wallSeconds,
      double cpuSeconds,
      double wallSecondsPerMillionUnits,
      double cpuSecondsPerMillionUnits) {}

  public record Target(String target, String measured, boolean met) {}
}
