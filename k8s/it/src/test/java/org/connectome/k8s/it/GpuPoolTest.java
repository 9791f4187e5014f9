package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import java.util.Map;
import org.connectome.executor.TaskResult;
import org.connectome.executor.k8s.KubernetesExecutor;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stage that asks for GPUs lands on the GPU pool: the real scheduler places its pods on the kwok
 * node labelled {@code pool=gpu} with {@code nvidia.com/gpu} capacity (the worker's GPU node
 * selector and tolerations, as the production overlay sets them), and never on the podman node or
 * the CPU pool. kwok completes the pods; nothing runs.
 */
class GpuPoolTest {
  @Test
  @Timeout(300)
  void podsThatAskForGpusGoToTheGpuPool() throws Exception {
    DevCluster cluster = DevCluster.shared();
    String ns = cluster.namespace("cx-gpu");
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "gpu",
            3,
            "{stage: stitch, implementation: synthetic, resources: {cpu: '1', memory: 1Gi, gpu: 1},"
                + " params: {unitMillis: 1}}");
    StepConfig step = ClusterSteps.plan(spec);
    ClusterSteps.Recorder rec = new ClusterSteps.Recorder();
    try (KubernetesExecutor ex =
        new KubernetesExecutor(
            cluster.withToken(cluster.workerToken(ns)),
            ClusterSteps.config(cluster, ns, "localhost/connectome/task:never-runs-on-kwok")
                .gpuNodeSelector(Map.of("pool", "gpu"))
                .gpuTolerations(ClusterSteps.ON_KWOK)
                .build())) {
      List<TaskResult> results =
          ex.runShard(ClusterSteps.request(spec, step, 1, new UnitRange(0, 3)), rec);
      assertTrue(results.stream().allMatch(TaskResult::succeeded), results.toString());
    }
    List<V1Pod> pods = new CoreV1Api(cluster.admin()).listNamespacedPod(ns).execute().getItems();
    assertEquals(3, pods.size());
    for (V1Pod p : pods) {
      assertEquals("kwok-gpu-0", p.getSpec().getNodeName(), p.getMetadata().getName());
      assertEquals(
          "1",
          p.getSpec()
              .getContainers()
              .get(0)
              .getResources()
              .getLimits()
              .get("nvidia.com/gpu")
              .toSuffixedString());
    }
  }
}
