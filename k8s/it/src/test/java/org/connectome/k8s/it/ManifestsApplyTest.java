package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every manifest in {@code k8s/} goes to the real API server: each Kustomize overlay is rendered
 * with {@code kubectl kustomize} and applied with server-side dry run, so the API server's schema
 * validation and admission (Pod Security {@code restricted} on the namespace included) see exactly
 * what a cluster would get, and refuse anything wrong. k8s/base is also applied for real by every
 * test namespace ({@link DevCluster#namespace}). The Prometheus Operator's kinds (PodMonitor,
 * PrometheusRule) are checked against stand-in definitions (k8s/dev/crds) that know their group,
 * version and kind, not their fields.
 */
class ManifestsApplyTest {
  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/dev", "overlays/production", "monitoring", "kueue"})
  void theRenderedManifestsApplyToTheApiServer(String dir) throws Exception {
    DevCluster cluster = DevCluster.shared();
    String rendered =
        cluster.kubectl("kustomize", Images.repo().resolve("k8s").resolve(dir).toString());
    Path f = Files.createTempFile(cluster.dir, "manifests", ".yaml");
    Files.writeString(f, rendered);
    // the namespace first: a dry run creates nothing, so the namespaced objects need it to exist
    cluster.apply(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: connectome
          labels: {pod-security.kubernetes.io/enforce: restricted}
        """);
    Exec e =
        Exec.run(
            List.of(
                "kubectl",
                "--kubeconfig",
                cluster.kubeconfig.toString(),
                "apply",
                "--dry-run=server",
                "-f",
                f.toString()),
            Map.of(),
            Duration.ofMinutes(2));
    assertEquals(0, e.exit(), dir + ":\n" + e.output());
    assertTrue(e.output().contains("(server dry run)"), e.output());
    assertTrue(!e.output().contains("Warning"), dir + " drew warnings:\n" + e.output());
  }
}
