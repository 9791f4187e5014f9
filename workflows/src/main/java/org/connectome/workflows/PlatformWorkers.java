package org.connectome.workflows;

import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.util.LinkedHashSet;
import java.util.Set;
import org.connectome.activities.planning.PlanningActivitiesImpl;
import org.connectome.activities.recording.RecordingActivitiesImpl;
import org.connectome.activities.recording.TransitionNotifications;
import org.connectome.activities.shard.ShardActivitiesImpl;
import org.connectome.catalog.Catalog;
import org.connectome.executor.StageExecutor;
import org.connectome.markers.MarkerStores;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.pipeline.Pipeline;
import org.connectome.workflows.samplerun.SampleRunWorkflowImpl;
import org.connectome.workflows.step.StepWorkflowImpl;

/**
 * Registers the platform's workflows and activities on a worker factory: workflows, planning and
 * recording on the orchestration task queue; shard activities on every queue that runs shards (a
 * facility can run the {@code ingest} queue's workers next to the microscope's storage).
 */
public final class PlatformWorkers {
  /**
   * Longest interval between two heartbeats of a shard sent to the server. Each heartbeat is a
   * Temporal action; cancellation reaches running shards through the catalog within seconds, so
   * heartbeats only need to prove the worker is alive (within the shard heartbeat timeout, see
   * WorkflowTuning).
   */
  public static final java.time.Duration HEARTBEAT_THROTTLE = java.time.Duration.ofSeconds(30);

  private PlatformWorkers() {}

  /**
   * @param orchestrationQueue the queue of workflows, planning and recording, or null for a
   *     shards-only worker
   * @param shardQueues queues whose shards this process runs (may include the orchestration queue)
   * @param maxShardsAtOnce shard activities this process runs at once
   */
  public static void register(
      WorkerFactory factory,
      String orchestrationQueue,
      Set<String> shardQueues,
      int maxShardsAtOnce,
      Catalog catalog,
      StageExecutor executor,
      PlatformMetrics metrics,
      TransitionNotifications notifications) {
    register(
        factory,
        orchestrationQueue,
        shardQueues,
        maxShardsAtOnce,
        catalog,
        executor,
        metrics,
        notifications,
        MarkerStores.files());
  }

  /**
   * As above, with the markers kept where {@code markerStores} says (benchmarks keep them in
   * memory).
   */
  public static void register(
      WorkerFactory factory,
      String orchestrationQueue,
      Set<String> shardQueues,
      int maxShardsAtOnce,
      Catalog catalog,
      StageExecutor executor,
      PlatformMetrics metrics,
      TransitionNotifications notifications,
      MarkerStores markerStores) {
    Set<String> queues = new LinkedHashSet<>();
    if (orchestrationQueue != null) {
      queues.add(orchestrationQueue);
    }
    queues.addAll(shardQueues);
    for (String q : queues) {
      Worker w =
          factory.newWorker(
              q,
              WorkerOptions.newBuilder()
                  .setMaxConcurrentActivityExecutionSize(Math.max(maxShardsAtOnce, 1) + 8)
                  .setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
                  .setDefaultHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
                  .build());
      if (q.equals(orchestrationQueue)) { // null-safe: a shards-only worker has none
        w.registerWorkflowImplementationTypes(SampleRunWorkflowImpl.class, StepWorkflowImpl.class);
        w.registerActivitiesImplementations(
            new PlanningActivitiesImpl(catalog, metrics, markerStores),
            new RecordingActivitiesImpl(catalog, java.time.Clock.systemUTC(), notifications),
            // reads the data root, as planning does: on the orchestration queue
            new org.connectome.activities.qc.QcActivitiesImpl());
      }
      if (shardQueues.contains(q)) {
        w.registerActivitiesImplementations(
            new ShardActivitiesImpl(executor, catalog, metrics, markerStores));
      }
    }
  }

  /**
   * The default: workflows and shards on the orchestration queue, and the ingest queue's shards.
   */
  public static void register(
      WorkerFactory factory, Catalog catalog, StageExecutor executor, PlatformMetrics metrics) {
    register(
        factory,
        Pipeline.DEFAULT_TASK_QUEUE,
        Set.of(Pipeline.DEFAULT_TASK_QUEUE, Pipeline.INGEST_TASK_QUEUE),
        64,
        catalog,
        executor,
        metrics,
        TransitionNotifications.NONE);
  }
}
