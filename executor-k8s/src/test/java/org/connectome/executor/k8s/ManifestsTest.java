package org.connectome.executor.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders every Kustomize overlay of {@code k8s/} with {@code kubectl kustomize} and checks what a
 * cluster would get: least-privilege RBAC, locked-down pods, resources, labels, and settings that
 * agree with the executor (namespace, claim, service account, the task pods' label the
 * NetworkPolicy selects). The images themselves are built and run by {@code k8s/it}
 * (TaskImageTest).
 */
class ManifestsTest {
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  static List<JsonNode> render(String overlay) throws Exception {
    boolean have = new ProcessBuilder("sh", "-c", "command -v kubectl").start().waitFor() == 0;
    if (!have) {
      if (System.getenv("CX_REQUIRE_KUBECTL") != null) {
        fail("kubectl is required (CX_REQUIRE_KUBECTL is set) but not installed");
      }
      Assumptions.abort(
          "kubectl is not installed: the Kustomize overlays are not rendered (.ci/run installs it "
              + "and sets CX_REQUIRE_KUBECTL)");
    }
    Process p =
        new ProcessBuilder("kubectl", "kustomize", ROOT.resolve("k8s").resolve(overlay).toString())
            .redirectError(ProcessBuilder.Redirect.PIPE)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "kubectl kustomize " + overlay + ": " + err);
    List<JsonNode> docs = new ArrayList<>();
    try (var it = new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(out)) {
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isEmpty()) {
          docs.add(n);
        }
      }
    }
    assertFalse(docs.isEmpty());
    return docs;
  }

  static JsonNode one(List<JsonNode> docs, String kind, String name) {
    return docs.stream()
        .filter(
            d ->
                d.path("kind").asText().equals(kind)
                    && (name == null || d.path("metadata").path("name").asText().startsWith(name)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  static Set<String> texts(JsonNode array) {
    Set<String> s = new HashSet<>();
    array.forEach(n -> s.add(n.asText()));
    return s;
  }

  static String env(JsonNode configMap, String key) {
    return configMap.path("data").path(key).asText(null);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"base", "overlays/dev", "overlays/production"})
  void everyOverlayRendersALeastPrivilegeLockedDownDeployment(String overlay) throws Exception {
    List<JsonNode> docs = render(overlay);
    for (JsonNode d : docs) {
      assertEquals(
          "connectome",
          d.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText(),
          d.path("kind").asText()
              + " "
              + d.path("metadata").path("name").asText()
              + " part-of label");
    }
    // RBAC: Jobs and pods, nothing more (k8s/it checks on a real cluster that each verb is used)
    JsonNode role = one(docs, "Role", "connectome-worker");
    JsonNode rules = role.path("rules");
    assertEquals(3, rules.size(), rules.toString());
    for (JsonNode r : rules) {
      Set<String> groups = texts(r.path("apiGroups"));
      Set<String> resources = texts(r.path("resources"));
      Set<String> verbs = texts(r.path("verbs"));
      assertFalse(
          groups.contains("*") || resources.contains("*") || verbs.contains("*"), r.toString());
      if (groups.equals(Set.of("batch"))) {
        assertEquals(Set.of("jobs"), resources);
        assertEquals(Set.of("create", "get", "list", "watch", "delete"), verbs);
      } else if (resources.equals(Set.of("pods"))) {
        assertEquals(Set.of(""), groups);
        assertEquals(Set.of("list", "watch"), verbs);
      } else {
        assertEquals(Set.of(""), groups);
        assertEquals(Set.of("pods/log"), resources);
        assertEquals(Set.of("get"), verbs);
      }
    }
    assertFalse(
        docs.stream().anyMatch(d -> d.path("kind").asText().startsWith("Cluster")),
        "no cluster-wide RBAC");
    JsonNode binding = one(docs, "RoleBinding", "connectome-worker");
    assertEquals("connectome-worker", binding.path("roleRef").path("name").asText());
    assertEquals("connectome-worker", binding.path("subjects").get(0).path("name").asText());

    // the worker
    JsonNode deploy = one(docs, "Deployment", "connectome-worker");
    JsonNode pod = deploy.path("spec").path("template").path("spec");
    assertEquals("connectome-worker", pod.path("serviceAccountName").asText());
    assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean());
    assertEquals(10001, pod.path("securityContext").path("runAsUser").asInt());
    assertEquals(
        "RuntimeDefault", pod.path("securityContext").path("seccompProfile").path("type").asText());
    JsonNode c = pod.path("containers").get(0);
    JsonNode sc = c.path("securityContext");
    assertTrue(sc.path("runAsNonRoot").asBoolean());
    assertTrue(sc.path("readOnlyRootFilesystem").asBoolean());
    assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true));
    assertEquals(Set.of("ALL"), texts(sc.path("capabilities").path("drop")));
    JsonNode res = c.path("resources");
    for (String r : List.of("cpu", "memory")) {
      assertFalse(res.path("requests").path(r).isMissingNode(), "requests." + r);
      assertFalse(res.path("limits").path(r).isMissingNode(), "limits." + r);
    }
    assertEquals(
        res.path("requests").path("memory").asText(), res.path("limits").path("memory").asText());
    List<String> args = new ArrayList<>();
    c.path("args").forEach(a -> args.add(a.asText()));
    assertTrue(String.join(" ", args).contains("--executor kubernetes"), args.toString());
    for (String probe : List.of("readinessProbe", "livenessProbe")) {
      assertEquals("/metrics", c.path(probe).path("httpGet").path("path").asText(), probe);
    }
    assertTrue(c.path("ports").toString().contains("9464"));
    Map<String, String> mounts = new java.util.HashMap<>();
    c.path("volumeMounts")
        .forEach(m -> mounts.put(m.path("name").asText(), m.path("mountPath").asText()));
    assertEquals("/tmp", mounts.get("tmp"));

    // the ConfigMap agrees with the rest
    JsonNode cm = one(docs, "ConfigMap", "connectome-worker");
    assertEquals(
        cm.path("metadata").path("name").asText(),
        c.path("envFrom").get(0).path("configMapRef").path("name").asText(),
        "the worker reads the generated ConfigMap");
    assertEquals("kubernetes", env(cm, "CX_EXECUTOR"));
    assertNotNull(env(cm, "CX_TEMPORAL_ADDRESS"));
    assertNotNull(env(cm, "CX_TASK_IMAGE"));
    assertEquals(
        role.path("metadata").path("namespace").asText(),
        env(cm, "CX_K8S_NAMESPACE"),
        "Jobs go where the Role allows them");
    JsonNode pvc = one(docs, "PersistentVolumeClaim", null);
    assertEquals(pvc.path("metadata").path("name").asText(), env(cm, "CX_DATA_CLAIM"));
    assertTrue(texts(pvc.path("spec").path("accessModes")).contains("ReadWriteMany"));
    assertEquals(
        env(cm, "CX_DATA_MOUNT_PATH"),
        mounts.get("data"),
        "the worker sees the data where the pods do");
    JsonNode taskSa = one(docs, "ServiceAccount", env(cm, "CX_TASK_SERVICE_ACCOUNT"));
    assertFalse(
        taskSa.path("automountServiceAccountToken").asBoolean(true), "task pods get no API token");

    // metrics
    JsonNode monitor = one(docs, "PodMonitor", null);
    assertEquals("monitoring.coreos.com/v1", monitor.path("apiVersion").asText());
    assertEquals(
        "metrics", monitor.path("spec").path("podMetricsEndpoints").get(0).path("port").asText());
    assertEquals(
        "/metrics", monitor.path("spec").path("podMetricsEndpoints").get(0).path("path").asText());
    JsonNode podLabels = deploy.path("spec").path("template").path("metadata").path("labels");
    monitor
        .path("spec")
        .path("selector")
        .path("matchLabels")
        .fields()
        .forEachRemaining(
            e ->
                assertEquals(
                    e.getValue().asText(),
                    podLabels.path(e.getKey()).asText(),
                    "PodMonitor selects the workers"));
    assertEquals(
        9464, one(docs, "Service", null).path("spec").path("ports").get(0).path("port").asInt());

    // task pods take no ingress: the policy selects the label the executor puts on them
    JsonNode taskPolicy =
        docs.stream()
            .filter(
                d ->
                    d.path("kind").asText().equals("NetworkPolicy")
                        && d.path("spec")
                            .path("podSelector")
                            .path("matchLabels")
                            .path(JobNaming.LABEL_NAME)
                            .asText()
                            .equals(JobNaming.VALUE_NAME))
            .findFirst()
            .orElseThrow();
    assertTrue(texts(taskPolicy.path("spec").path("policyTypes")).contains("Ingress"));
    assertEquals(0, taskPolicy.path("spec").path("ingress").size());
    JsonNode workerPolicy = one(docs, "NetworkPolicy", "connectome-worker");
    String egress = workerPolicy.path("spec").path("egress").toString();
    for (String port : List.of("53", "7233", "5432", "443")) {
      assertTrue(egress.contains("\"port\":" + port), "worker egress to " + port + ": " + egress);
    }
  }

  @Test
  void theOverlaysDiffer() throws Exception {
    List<JsonNode> dev = render("overlays/dev");
    List<JsonNode> prod = render("overlays/production");
    JsonNode devDeploy = one(dev, "Deployment", "connectome-worker");
    JsonNode prodDeploy = one(prod, "Deployment", "connectome-worker");
    assertEquals(1, devDeploy.path("spec").path("replicas").asInt());
    assertEquals(3, prodDeploy.path("spec").path("replicas").asInt());
    assertTrue(
        devDeploy
            .path("spec")
            .path("template")
            .path("spec")
            .path("containers")
            .get(0)
            .path("image")
            .asText()
            .endsWith(":dev"));
    String prodImage =
        prodDeploy
            .path("spec")
            .path("template")
            .path("spec")
            .path("containers")
            .get(0)
            .path("image")
            .asText();
    assertTrue(
        prodImage.matches(".+:\\d+\\.\\d+\\.\\d+"), "production pins a version: " + prodImage);
    JsonNode cm = one(prod, "ConfigMap", "connectome-worker");
    assertTrue(env(cm, "CX_TASK_IMAGE").matches(".+:\\d+\\.\\d+\\.\\d+"), env(cm, "CX_TASK_IMAGE"));
    assertEquals(
        "node-pool=gpu",
        env(cm, "CX_GPU_NODE_SELECTOR"),
        "segmentation's GPU pods go to the GPU pool");
    assertNotNull(env(cm, "CX_GPU_TOLERATIONS"));
    assertEquals(
        env(cm, "CX_TASK_PRIORITY_CLASS"),
        one(prod, "PriorityClass", env(cm, "CX_TASK_PRIORITY_CLASS"))
            .path("metadata")
            .path("name")
            .asText());
    assertNotNull(one(prod, "PodDisruptionBudget", null));
  }
}
