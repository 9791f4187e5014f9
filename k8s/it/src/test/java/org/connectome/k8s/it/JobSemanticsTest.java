package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Eviction;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.connectome.executor.FailureKind;
import org.connectome.executor.TaskResult;
import org.connectome.executor.k8s.KubernetesExecutor;
import org.connectome.executor.k8s.KubernetesExecutorConfig;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Indexed Job semantics on the real control plane (the Job controller of kube-controller-manager,
 * the scheduler, the API server's admission and validation), with pods that run the task image on
 * the podman-node: failures are injected per completion index through the synthetic stage's
 * parameters and through commands of container steps, and the executor authenticates as the
 * namespace's {@code connectome-worker} service account with k8s/base's Role only.
 */
class JobSemanticsTest {
  static DevCluster cluster;
  static String ns;
  static String image;
  static ApiClient worker;
  static ApiClient admin;
  static final ApiVerbs verbs = new ApiVerbs();
  static final AtomicInteger passed = new AtomicInteger();

  @BeforeAll
  static void cluster() throws Exception {
    cluster = DevCluster.shared();
    image = Images.get().task();
    ns = cluster.namespace("cx-jobs");
    worker = verbs.record(cluster.withToken(cluster.workerToken(ns)));
    admin = cluster.admin();
  }

  @AfterEach
  void count() {
    passed.incrementAndGet();
  }

  /**
   * The executor, as the namespace's {@code connectome-worker} service account, used every verb
   * that k8s/base's Role grants (and could use no other): once every test of this class has run,
   * nothing in the Role is unused.
   */
  @AfterAll
  static void theRoleGrantsExactlyWhatTheExecutorUses() throws Exception {
    long tests =
        java.util.Arrays.stream(JobSemanticsTest.class.getDeclaredMethods())
            .filter(m -> m.isAnnotationPresent(Test.class))
            .count();
    if (cluster == null || passed.get() < tests) {
      return; // a filtered or failed run used fewer verbs
    }
    var role =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(cluster.kubectl("get", "role", "connectome-worker", "-n", ns, "-o", "json"));
    assertEquals(
        ApiVerbs.granted(role),
        new java.util.TreeSet<>(verbs.used),
        "k8s/base's Role against the requests the executor made");
    System.out.printf("worker requests: %d, verbs %s%n", verbs.requests.get(), verbs.used);
  }

  private static KubernetesExecutor executor() {
    return new KubernetesExecutor(worker, ClusterSteps.config(cluster, ns, image).build());
  }

  private static List<V1Pod> pods(String job) throws Exception {
    return new CoreV1Api(admin)
        .listNamespacedPod(ns)
        .labelSelector("batch.kubernetes.io/job-name=" + job)
        .execute()
        .getItems();
  }

  private static long podsOfIndex(List<V1Pod> pods, int index) {
    return pods.stream()
        .filter(
            p ->
                String.valueOf(index)
                    .equals(
                        p.getMetadata()
                            .getAnnotations()
                            .get("batch.kubernetes.io/job-completion-index")))
        .count();
  }

  private static List<V1Job> jobs(String run) throws Exception {
    return new BatchV1Api(admin)
        .listNamespacedJob(ns).execute().getItems().stream()
            .filter(j -> run.equals(runOf(j)))
            .toList();
  }

  private static String runOf(V1Job j) {
    V1ObjectMeta m = j.getMetadata();
    return m.getAnnotations() == null ? null : m.getAnnotations().get("connectome.org/run-id");
  }

  @Test
  @Timeout(300)
  void aRetryableExitIsRetriedWithinBackoffLimitPerIndex() throws Exception {
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "retry",
            3,
            "{stage: stitch, implementation: synthetic, params: {unitMillis: 1, failFirstAttempts: 1}}");
    StepConfig step = ClusterSteps.plan(spec);
    ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
    List<TaskResult> results;
    try (KubernetesExecutor ex = executor()) {
      results = ex.runShard(ClusterSteps.request(spec, step, 1, new UnitRange(0, 3)), rec);
    }
    assertEquals(3, results.size());
    for (TaskResult r : results) {
      assertTrue(r.succeeded(), r.toString());
      assertEquals(2, r.attempts(), "the Job controller ran the index a second time: " + r);
      assertTrue(rec.events.contains("end " + r.task() + "/1 UNITS_FAILED"), rec.events.toString());
    }
    V1Job job = jobs(spec.runId()).get(0);
    List<V1Pod> pods = pods(job.getMetadata().getName());
    for (int k = 0; k < 3; k++) {
      assertEquals(2, podsOfIndex(pods, k), "pods of index " + k);
    }
    assertEquals("0-2", job.getStatus().getCompletedIndexes());
  }

  @Test
  @Timeout(300)
  void aNonRetryableExitFailsItsIndexThroughPodFailurePolicyWithoutARetry() throws Exception {
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "permanent",
            3,
            "{stage: stitch, implementation: synthetic, params: {unitMillis: 1, permanentFailUnits: [1]}}");
    StepConfig step = ClusterSteps.plan(spec);
    ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
    List<TaskResult> results;
    try (KubernetesExecutor ex = executor()) {
      results = ex.runShard(ClusterSteps.request(spec, step, 1, new UnitRange(0, 3)), rec);
    }
    TaskResult bad = rec.result(1);
    assertFalse(bad.succeeded());
    assertEquals(FailureKind.UNITS_FAILED_PERMANENTLY, bad.failure().kind(), bad.toString());
    assertEquals(1, bad.attempts());
    assertTrue(rec.result(0).succeeded() && rec.result(2).succeeded(), results.toString());
    V1Job job = jobs(spec.runId()).get(0);
    assertEquals(1, podsOfIndex(pods(job.getMetadata().getName()), 1), "no retry of index 1");
    assertEquals("1", job.getStatus().getFailedIndexes());
    assertNotNull(bad.logTail(), "the failed pod's log tail, through the API's pods/log");
    assertTrue(bad.logTail().contains("permanentFailUnits"), bad.logTail());
  }

  @Test
  @Timeout(300)
  void anIndexOutOfRetriesIsAFailedUnitWhileTheOthersSucceed() throws Exception {
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "exhausted",
            3,
            "{stage: stitch, implementation: synthetic, retry: {maxAttempts: 2}, params: {unitMillis: 1, failUnits: [2]}}");
    StepConfig step = ClusterSteps.plan(spec);
    ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
    try (KubernetesExecutor ex = executor()) {
      ex.runShard(ClusterSteps.request(spec, step, 1, new UnitRange(0, 3)), rec);
    }
    TaskResult bad = rec.result(2);
    assertEquals(FailureKind.UNITS_FAILED, bad.failure().kind(), bad.toString());
    assertEquals(2, bad.attempts());
    assertTrue(rec.result(0).succeeded() && rec.result(1).succeeded());
    V1Job job = jobs(spec.runId()).get(0);
    assertEquals(2, podsOfIndex(pods(job.getMetadata().getName()), 2));
    assertEquals("2", job.getStatus().getFailedIndexes());
    assertEquals("0,1", job.getStatus().getCompletedIndexes());
  }

  @Test
  @Timeout(300)
  void anOomKilledContainerIsTypedOutOfMemoryFromWhatTheApiReports() throws Exception {
    // the shell doubles a string until the memory limit stops it
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "oom",
            1,
            """
            {stage: stitch, implementation: container, retry: {maxAttempts: 1},
                   resources: {cpu: 100m, memory: 48Mi},
                   container: {image: IMAGE, command: ["/bin/sh", "-c", "x=0123456789; while :; do x=$x$x; done"]}}"""
                .replace("IMAGE", image));
    StepConfig step = ClusterSteps.plan(spec);
    ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
    try (KubernetesExecutor ex = executor()) {
      ex.runShard(ClusterSteps.request(spec, step, 1, new UnitRange(0, 1)), rec);
    }
    TaskResult r = rec.result(0);
    assertEquals(FailureKind.OUT_OF_MEMORY, r.failure().kind(), r.toString());
    V1Pod pod = pods(jobs(spec.runId()).get(0).getMetadata().getName()).get(0);
    assertEquals(
        "OOMKilled",
        pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason());
  }

  @Test
  @Timeout(300)
  void anImageThatIsNotThereStopsTheShardAsAnImagePullFailure() throws Exception {
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "nopull",
            2,
            "{stage: stitch, implementation: synthetic, params: {unitMillis: 1}}");
    StepConfig step = ClusterSteps.plan(spec);
    ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
    KubernetesExecutorConfig config =
        ClusterSteps.config(cluster, ns, "localhost/connectome/absent:0").build();
    try (KubernetesExecutor ex = new KubernetesExecutor(worker, config)) {
      ex.runShard(ClusterSteps.request(spec, step, 1, new UnitRange(0, 2)), rec);
    }
    for (TaskResult r : rec.finished) {
      assertEquals(FailureKind.IMAGE_PULL, r.failure().kind(), r.toString());
      assertTrue(r.failure().message().contains("localhost/connectome/absent:0"), r.toString());
    }
    assertTrue(jobs(spec.runId()).isEmpty(), "the stuck shard's Job is deleted");
  }

  @Test
  @Timeout(300)
  void anEvictionIsIgnoredByThePodFailurePolicyAndTheIndexRunsAgain() throws Exception {
    // the first attempt waits to be evicted; the next one (one ignored failure, from the annotation
    // the
    // Job controller puts on the pod) ends at once. (A container command without per-index
    // placeholders
    // runs as it is, without the wrapper that would set CX_TASK_ATTEMPT.)
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "evict",
            1,
            """
            {stage: stitch, implementation: container, retry: {maxAttempts: 1},
                   container: {image: IMAGE, command: ["/bin/sh", "-c", "echo ignored failures ${CX_INDEX_IGNORED_FAILURES:-0}; [ ${CX_INDEX_IGNORED_FAILURES:-0} -gt 0 ] || sleep 300"]}}"""
                .replace("IMAGE", image));
    StepConfig step = ClusterSteps.plan(spec);
    ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (KubernetesExecutor ex = executor()) {
      Future<List<TaskResult>> run =
          pool.submit(
              () -> ex.runShard(ClusterSteps.request(spec, step, 1, new UnitRange(0, 1)), rec));
      V1Pod first = awaitRunningPod(spec.runId());
      // (the API answers an eviction with a Status, which client-java cannot read as an Eviction)
      admin.execute(
          new CoreV1Api(admin)
              .createNamespacedPodEviction(
                  first.getMetadata().getName(),
                  ns,
                  new V1Eviction()
                      .metadata(
                          new V1ObjectMeta().name(first.getMetadata().getName()).namespace(ns)))
              .buildCall(null));
      List<TaskResult> results = run.get();
      assertTrue(results.get(0).succeeded(), results.toString());
      assertEquals(2, results.get(0).attempts(), "the evicted attempt, then one more");
      assertTrue(rec.events.contains("end 0/1 EVICTED"), rec.events.toString());
      // a container step's units are marked by the executor, once the index completed
      var markers =
          new org.connectome.markers.MarkerStore(ClusterSteps.layout(spec, step).markersDir());
      var marker = markers.read(0, step.paramsHash()).orElseThrow();
      assertEquals(2, marker.attempt());
      assertEquals(image, marker.codeVersion());
    } finally {
      pool.shutdownNow();
    }
    V1Job job = jobs(spec.runId()).get(0);
    // maxAttempts 1 means backoffLimitPerIndex 0: only the ignored failure let the index run again
    assertEquals(0, job.getSpec().getBackoffLimitPerIndex());
    String failedIndexes = job.getStatus().getFailedIndexes();
    assertTrue(failedIndexes == null || failedIndexes.isEmpty(), failedIndexes);
    boolean disrupted = false;
    for (V1Pod p : pods(job.getMetadata().getName())) {
      for (V1PodCondition c :
          p.getStatus().getConditions() == null
              ? List.<V1PodCondition>of()
              : p.getStatus().getConditions()) {
        disrupted |= c.getType().equals("DisruptionTarget") && c.getStatus().equals("True");
      }
    }
    // the evicted pod may be gone already (the node agent removes it); the Job counted it ignored
    assertTrue(
        disrupted || job.getStatus().getFailed() == null || job.getStatus().getFailed() <= 1);
  }

  @Test
  @Timeout(300)
  void aShardPastItsTimeoutEndsInDeadlineExceededAndItsTasksTimeOut() throws Exception {
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "deadline",
            1,
            "{stage: stitch, implementation: synthetic, timeout: 20s, params: {unitMillis: 120000}}");
    StepConfig step = ClusterSteps.plan(spec);
    ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
    try (KubernetesExecutor ex = executor()) {
      ex.runShard(ClusterSteps.request(spec, step, 1, new UnitRange(0, 1)), rec);
    }
    TaskResult r = rec.result(0);
    assertEquals(FailureKind.TIMEOUT, r.failure().kind(), r.toString());
    V1Job job = jobs(spec.runId()).get(0);
    assertTrue(
        job.getStatus().getConditions().stream()
            .anyMatch(c -> "DeadlineExceeded".equals(c.getReason())),
        job.getStatus().toString());
  }

  @Test
  @Timeout(120)
  void aJobTheApiServerRefusesFailsItsTasksAsAConfigurationError() throws Exception {
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "refused",
            1,
            "{stage: stitch, implementation: synthetic, params: {unitMillis: 1}}");
    StepConfig step = ClusterSteps.plan(spec);
    ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
    // not a valid service account name: the API server's validation refuses the Job (422)
    KubernetesExecutorConfig config =
        ClusterSteps.config(cluster, ns, image).serviceAccount("Not_A_Name").build();
    try (KubernetesExecutor ex = new KubernetesExecutor(worker, config)) {
      ex.runShard(ClusterSteps.request(spec, step, 1, new UnitRange(0, 1)), rec);
    }
    TaskResult r = rec.result(0);
    assertEquals(FailureKind.CONFIG_ERROR, r.failure().kind(), r.toString());
    assertTrue(r.failure().message().contains("serviceAccountName"), r.failure().message());
    assertTrue(jobs(spec.runId()).isEmpty());
  }

  private static V1Pod awaitRunningPod(String run) throws Exception {
    long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < end) {
      for (V1Job j : jobs(run)) {
        for (V1Pod p : pods(j.getMetadata().getName())) {
          if ("Running".equals(p.getStatus().getPhase())) {
            return p;
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no pod of run " + run + " came to run");
  }

  @Test
  @Timeout(300)
  void aWorkerRestartedMidJobAdoptsTheJobAndCancelDeletesJobAndPods() throws Exception {
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "adopt",
            2,
            "{stage: stitch, implementation: synthetic, params: {unitMillis: 8000}}");
    StepConfig step = ClusterSteps.plan(spec);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      // the first worker goes away while its Job runs: the Job is left for the retried activity
      KubernetesExecutor first = executor();
      Future<List<TaskResult>> gone =
          pool.submit(
              () ->
                  first.runShard(
                      ClusterSteps.request(spec, step, 1, new UnitRange(0, 2)),
                      new ClusterSteps.Recorder()));
      awaitRunningPod(spec.runId());
      String uid = jobs(spec.runId()).get(0).getMetadata().getUid();
      first.close();
      gone.cancel(true);
      Thread.sleep(1000);
      assertEquals(1, jobs(spec.runId()).size());
      // the retried activity (attempt 2) on another worker adopts it: same Job, no new pods
      ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
      List<TaskResult> results;
      try (KubernetesExecutor second = executor()) {
        results = second.runShard(ClusterSteps.request(spec, step, 2, new UnitRange(0, 2)), rec);
      }
      assertTrue(results.stream().allMatch(TaskResult::succeeded), results.toString());
      List<V1Job> after = jobs(spec.runId());
      assertEquals(1, after.size());
      assertEquals(uid, after.get(0).getMetadata().getUid(), "adopted, not recreated");
      assertEquals(2, pods(after.get(0).getMetadata().getName()).size(), "one pod per index");

      // a cancelled shard (interrupted, worker not closing) deletes its Job and pods
      RunSpec spec2 =
          ClusterSteps.spec(
              cluster,
              "cancel",
              2,
              "{stage: stitch, implementation: synthetic, params: {unitMillis: 60000}}");
      StepConfig step2 = ClusterSteps.plan(spec2);
      KubernetesExecutor third = executor();
      Future<List<TaskResult>> cancelled =
          pool.submit(
              () ->
                  third.runShard(
                      ClusterSteps.request(spec2, step2, 1, new UnitRange(0, 2)),
                      new ClusterSteps.Recorder()));
      String job =
          awaitRunningPod(spec2.runId())
              .getMetadata()
              .getLabels()
              .get("batch.kubernetes.io/job-name");
      cancelled.cancel(true);
      long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while ((!jobs(spec2.runId()).isEmpty() || !pods(job).isEmpty()) && System.nanoTime() < end) {
        Thread.sleep(200);
      }
      assertTrue(jobs(spec2.runId()).isEmpty(), "Job deleted");
      assertTrue(pods(job).isEmpty(), "pods deleted");
      third.close();
    } finally {
      pool.shutdownNow();
    }
  }
}
