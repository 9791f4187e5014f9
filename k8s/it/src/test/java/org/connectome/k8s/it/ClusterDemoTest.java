package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.executor.k8s.KubernetesExecutor;
import org.connectome.layout.RunLayout;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo-shaped run on the cluster: the demo's seven stages (a four-section cut of its sample)
 * with the Kubernetes executor, every shard after ingest an Indexed Job whose pods run the real
 * task image on the podman-node, the executor authenticated as the worker's service account; its
 * outputs must be byte for byte those of the same run on the local executor.
 */
class ClusterDemoTest {
  @TempDir Path dir;

  @Test
  @Timeout(1800)
  void theDemoOnTheClusterWritesWhatTheLocalExecutorWrites() throws Exception {
    DevCluster cluster = DevCluster.shared();
    String image = Images.get().task();
    DemoSample.LocalRun localRun = DemoSample.local();
    RunSpec local = localRun.spec();
    // the pods see the local run's folder, the acquisition in it included, at its own path: the
    // outputs name the tiles by absolute path, so both runs must read them from the same place
    String ns = cluster.namespace("cx-demo", localRun.dir());
    Path data = localRun.dir().resolve("k8s");
    Files.createDirectories(data);
    Exec.ok(
        List.of("setfacl", "-R", "-m", "u:10001:rwx", "-d", "-m", "u:10001:rwx", data.toString()),
        Map.of(),
        java.time.Duration.ofSeconds(30));
    RunSpec onCluster =
        localRun
            .sample()
            .spec(
                "r1",
                data,
                "executor: {type: kubernetes, kubernetes: {namespace: " + ns + "}}",
                dir);
    long t0 = System.nanoTime();
    SampleRunResult k;
    try (KubernetesExecutor executor =
        new KubernetesExecutor(
            cluster.withToken(cluster.workerToken(ns)),
            ClusterSteps.config(cluster, ns, image).dataMountPath(localRun.dir()).build())) {
      k = DemoSample.run(onCluster, executor, dir.resolve("c2"));
    }
    assertEquals(SampleRunResult.DONE, k.state(), String.valueOf(k.error()));
    double seconds = (System.nanoTime() - t0) / 1e9;

    Map<String, String> want =
        DemoSample.checksums(RunLayout.of(local.dataRoot(), "demo4", "r1").runDir());
    Map<String, String> got =
        DemoSample.checksums(RunLayout.of(onCluster.dataRoot(), "demo4", "r1").runDir());
    assertTrue(want.size() > 50, "outputs of the local run: " + want.size());
    java.util.Set<String> differ = new java.util.TreeSet<>(want.keySet());
    differ.addAll(got.keySet());
    differ.removeIf(f -> java.util.Objects.equals(want.get(f), got.get(f)));
    assertTrue(
        differ.isEmpty(),
        differ.size()
            + " of "
            + want.size()
            + " outputs differ from the local executor's (missing, extra or changed), first: "
            + differ.stream().limit(12).toList());

    List<V1Job> jobs = new BatchV1Api(cluster.admin()).listNamespacedJob(ns).execute().getItems();
    List<V1Pod> pods = new CoreV1Api(cluster.admin()).listNamespacedPod(ns).execute().getItems();
    for (V1Job j : jobs) {
      assertTrue(
          j.getStatus().getConditions().stream()
              .anyMatch(c -> c.getType().equals("Complete") && c.getStatus().equals("True")),
          j.getMetadata().getName());
    }
    for (V1Pod p : pods) {
      assertEquals("podman-0", p.getSpec().getNodeName(), "task pods stay off the kwok nodes");
    }
    System.out.printf(
        "demo on the cluster: %d Jobs, %d pods, %d outputs identical to the local run's, %.0f s%n",
        jobs.size(), pods.size(), got.size(), seconds);
  }
}
