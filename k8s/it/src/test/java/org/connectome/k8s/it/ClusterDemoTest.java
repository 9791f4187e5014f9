package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Pod;
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
    String ns = cluster.namespace("cx-demo");
    DemoSample.LocalRun localRun = DemoSample.local();
    RunSpec local = localRun.spec();
    DemoSample sample = localRun.sample();

    Path data = cluster.data.resolve("demo");
    RunSpec onCluster =
        sample.spec(
            "r1", data, "executor: {type: kubernetes, kubernetes: {namespace: " + ns + "}}", dir);
    long t0 = System.nanoTime();
    SampleRunResult k;
    try (KubernetesExecutor executor =
        new KubernetesExecutor(
            cluster.withToken(cluster.workerToken(ns)),
            ClusterSteps.config(cluster, ns, image).build())) {
      k = DemoSample.run(onCluster, executor, dir.resolve("c2"));
    }
    assertEquals(SampleRunResult.DONE, k.state(), String.valueOf(k.error()));
    double seconds = (System.nanoTime() - t0) / 1e9;

    Map<String, String> want =
        DemoSample.checksums(RunLayout.of(local.dataRoot(), "demo4", "r1").runDir());
    Map<String, String> got =
        DemoSample.checksums(RunLayout.of(onCluster.dataRoot(), "demo4", "r1").runDir());
    assertTrue(want.size() > 50, "outputs of the local run: " + want.size());
    assertEquals(want, got, "the cluster's outputs against the local executor's");

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
