package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.connectome.executor.ExecutorException;
import org.connectome.executor.k8s.KubernetesExecutor;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker's service account with a Role that lacks a verb the executor needs: the shard fails
 * with an error that names the verb and the resource, not a hang or a stack trace. (That the Role
 * of k8s/base grants exactly the verbs the executor uses is checked by {@link JobSemanticsTest}.)
 */
class RbacTest {
  @Test
  @Timeout(300)
  void aMissingVerbFailsWithAnErrorNamingIt() throws Exception {
    DevCluster cluster = DevCluster.shared();
    String image = Images.get().task();
    String ns = cluster.namespace("cx-rbac");
    // the Role without `create` on Jobs
    cluster.kubectl(
        "patch",
        "role",
        "connectome-worker",
        "-n",
        ns,
        "--type",
        "json",
        "-p",
        "[{\"op\": \"replace\", \"path\": \"/rules/0/verbs\", \"value\": [\"get\", \"list\", \"watch\", \"delete\"]}]");
    RunSpec spec =
        ClusterSteps.spec(
            cluster,
            "rbac",
            1,
            "{stage: stitch, implementation: synthetic, params: {unitMillis: 1}}");
    StepConfig step = ClusterSteps.plan(spec);
    try (KubernetesExecutor ex =
        new KubernetesExecutor(
            cluster.withToken(cluster.workerToken(ns)),
            ClusterSteps.config(cluster, ns, image).build())) {
      ExecutorException e =
          assertThrows(
              ExecutorException.class,
              () ->
                  ex.runShard(
                      ClusterSteps.request(spec, step, 1, new UnitRange(0, 1)),
                      new ClusterSteps.Recorder()));
      assertTrue(e.getMessage().contains("cannot create resource \"jobs\""), e.getMessage());
      assertTrue(
          e.getMessage().contains("system:serviceaccount:" + ns + ":connectome-worker"),
          e.getMessage());
    }
  }
}
