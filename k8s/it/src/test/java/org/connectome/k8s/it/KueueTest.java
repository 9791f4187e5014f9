package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.openapi.models.V1Job;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.connectome.executor.TaskResult;
import org.connectome.executor.k8s.JobNaming;
import org.connectome.executor.k8s.KubernetesExecutor;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kueue (started by {@code k8s/dev/cluster up}) admits the task Jobs against their ClusterQueue's
 * quota: two runs' shards, each two pods of one CPU one after the other, through a LocalQueue whose
 * ClusterQueue has one CPU. The executor creates both Jobs suspended and labelled with the queue;
 * Kueue admits one; the other's workload waits for quota (Kueue says so in its QuotaReserved
 * condition) while the first runs, and is admitted once it has finished. kwok completes the pods;
 * nothing runs.
 */
class KueueTest {
  @Test
  @Timeout(300)
  void aSecondRunsJobWaitsForTheQuotaAndThenRuns() throws Exception {
    DevCluster cluster = DevCluster.shared();
    String ns = cluster.namespace("cx-kueue");
    cluster.apply(
        """
        apiVersion: kueue.x-k8s.io/v1beta2
        kind: ResourceFlavor
        metadata: {name: cx-kueue-test}
        ---
        apiVersion: kueue.x-k8s.io/v1beta2
        kind: ClusterQueue
        metadata: {name: cx-kueue-test}
        spec:
          namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: NS}
          resourceGroups:
            - coveredResources: [cpu, memory]
              flavors:
                - name: cx-kueue-test
                  resources:
                    - {name: cpu, nominalQuota: 1}
                    - {name: memory, nominalQuota: 4Gi}
        ---
        apiVersion: kueue.x-k8s.io/v1beta2
        kind: LocalQueue
        metadata: {name: one-cpu, namespace: NS}
        spec: {clusterQueue: cx-kueue-test}
        """
            .replace("NS", ns));
    BatchV1Api batch = new BatchV1Api(cluster.admin());
    CustomObjectsApi kueue = new CustomObjectsApi(cluster.admin());
    Set<String> heldForQuota = ConcurrentHashMap.newKeySet();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      // Kueue's own word, every 100 ms until both shards have ended: a workload whose quota
      // reservation is pending for want of quota
      Future<?> watcher =
          pool.submit(
              () -> {
                while (!stop.get()) {
                  heldForQuota.addAll(pendingForQuota(kueue, ns));
                  Thread.sleep(100);
                }
                return null;
              });
      String token = cluster.workerToken(ns);
      List<Future<List<TaskResult>>> shards = new ArrayList<>();
      for (String run : List.of("kueue-a", "kueue-b")) {
        // two tasks one after the other (parallelism 1): the first Job holds the CPU for a while
        RunSpec spec =
            ClusterSteps.spec(
                cluster,
                run,
                2,
                "{stage: stitch, implementation: synthetic, parallelism: 1,"
                    + " resources: {cpu: '1', memory: 1Gi}, params: {unitMillis: 1}}");
        StepConfig step = ClusterSteps.plan(spec);
        if (!shards.isEmpty()) {
          // the second run's Job after the first's, so that the first is the one admitted
          while (batch.listNamespacedJob(ns).execute().getItems().isEmpty()) {
            Thread.sleep(50);
          }
        }
        shards.add(
            pool.submit(
                () -> {
                  try (KubernetesExecutor ex =
                      new KubernetesExecutor(
                          cluster.withToken(token),
                          ClusterSteps.config(cluster, ns, "localhost/connectome/task:never-runs")
                              .kueueQueue("one-cpu")
                              .nodeSelector(Map.of("type", "kwok", "pool", "cpu"))
                              .tolerations(ClusterSteps.ON_KWOK)
                              .build())) {
                    return ex.runShard(
                        ClusterSteps.request(spec, step, 1, new UnitRange(0, 2)),
                        new ClusterSteps.Recorder());
                  }
                }));
      }
      for (Future<List<TaskResult>> f : shards) {
        List<TaskResult> results = f.get();
        assertTrue(results.stream().allMatch(TaskResult::succeeded), results.toString());
      }
      stop.set(true);
      watcher.get();
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
    List<V1Job> jobs = new ArrayList<>(batch.listNamespacedJob(ns).execute().getItems());
    assertEquals(2, jobs.size(), jobs.toString());
    for (V1Job j : jobs) {
      assertEquals(
          "one-cpu",
          j.getMetadata().getLabels().get(JobNaming.LABEL_KUEUE_QUEUE),
          j.getMetadata().getName());
    }
    assertEquals(
        1,
        heldForQuota.size(),
        "one workload waited for the quota (it holds one CPU): " + heldForQuota);
    jobs.sort(Comparator.comparing((V1Job j) -> j.getStatus().getStartTime()));
    OffsetDateTime firstDone = jobs.get(0).getStatus().getCompletionTime();
    OffsetDateTime secondStarted = jobs.get(1).getStatus().getStartTime();
    assertTrue(
        !secondStarted.isBefore(firstDone),
        "the second Job started at " + secondStarted + ", the first finished at " + firstDone);
  }

  /** The names of the workloads of {@code ns} whose quota reservation waits for quota. */
  @SuppressWarnings("unchecked")
  private static List<String> pendingForQuota(CustomObjectsApi kueue, String ns) throws Exception {
    Map<String, Object> list =
        (Map<String, Object>)
            kueue
                .listNamespacedCustomObject("kueue.x-k8s.io", "v1beta2", ns, "workloads")
                .execute();
    List<String> out = new ArrayList<>();
    for (Map<String, Object> w : (List<Map<String, Object>>) list.get("items")) {
      Map<String, Object> status = (Map<String, Object>) w.get("status");
      List<Map<String, Object>> conditions =
          status == null ? List.of() : (List<Map<String, Object>>) status.get("conditions");
      for (Map<String, Object> c :
          conditions == null ? List.<Map<String, Object>>of() : conditions) {
        if ("QuotaReserved".equals(c.get("type"))
            && "False".equals(c.get("status"))
            && String.valueOf(c.get("message")).contains("insufficient")) {
          out.add(String.valueOf(((Map<String, Object>) w.get("metadata")).get("name")));
        }
      }
    }
    return out;
  }
}
