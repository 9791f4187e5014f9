package org.connectome.executor.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1PodFailurePolicyRule;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Toleration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.executor.ShardRequest;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.StepConfig;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.TaskRetry;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.spec.ContainerSpec;
import org.connectome.spec.ExecutorSpec;
import org.connectome.spec.KubernetesExecutorSpec;
import org.connectome.spec.KubernetesStageSpec;
import org.connectome.spec.Resources;
import org.connectome.spec.TolerationSpec;
import org.connectome.task.TaskDefinition;
import org.connectome.units.Grouping;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.Test;

/** What a shard's Job looks like: rendered without an API server. */
class JobFactoryTest {
  static final KubernetesStageSpec GPU_POOL =
      new KubernetesStageSpec(
          Map.of("pool", "gpu-a100"),
          List.of(new TolerationSpec("dedicated", "Equal", "gpu", "NoSchedule")),
          "segmentation-high");

  static KubernetesExecutorConfig config() {
    return KubernetesExecutorConfig.builder("connectome")
        .image("registry.example.org/connectome-task:1.4.0")
        .serviceAccount("connectome-task")
        .dataClaim("connectome-data")
        .nodeSelector(Map.of("zone", "a"))
        .gpuNodeSelector(Map.of("nvidia.com/gpu.present", "true"))
        .priorityClass("batch-low")
        .imagePullSecrets(List.of("regcred"))
        .ttlSecondsAfterFinished(600)
        .build();
  }

  static ShardRequest gpuRequest() {
    StepConfig step =
        Shards.step(
            "segment",
            "inference",
            4,
            List.of(42, 0),
            new Resources("4", "16Gi", 1),
            GPU_POOL,
            null,
            "synthetic");
    return Shards.request(step, 12, 3, UnitRange.of(1200, 1250), UnitRange.of(1260, 1270));
  }

  static V1Job render(ShardRequest r, KubernetesExecutorConfig c) throws Exception {
    return JobFactory.render(r, c, null);
  }

  static String env(V1Container c, String name) {
    return c.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(V1EnvVar::getValue)
        .findFirst()
        .orElse(null);
  }

  static String fieldPath(V1Container c, String name) {
    return c.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .getValueFrom()
        .getFieldRef()
        .getFieldPath();
  }

  @Test
  void anIndexedJobWithPerIndexRetriesAndAFailurePolicy() throws Exception {
    V1Job job = render(gpuRequest(), config());
    var spec = job.getSpec();
    assertEquals("batch/v1", job.getApiVersion());
    assertEquals("Job", job.getKind());
    assertEquals("connectome", job.getMetadata().getNamespace());
    assertEquals("Indexed", spec.getCompletionMode());
    assertEquals(60, spec.getCompletions());
    assertEquals(4, spec.getParallelism());
    assertEquals(3, spec.getBackoffLimitPerIndex(), "maxAttempts - 1");
    assertEquals(60, spec.getMaxFailedIndexes(), "one bad index never stops the others");
    assertNull(spec.getBackoffLimit());
    assertEquals("Failed", spec.getPodReplacementPolicy(), "never two pods of one index at once");
    assertEquals(600, spec.getTtlSecondsAfterFinished());
    assertEquals(3600L, spec.getActiveDeadlineSeconds(), "the step's timeout");
    assertNull(spec.getSuspend());
    List<V1PodFailurePolicyRule> rules = spec.getPodFailurePolicy().getRules();
    assertEquals(2, rules.size());
    assertEquals("Ignore", rules.get(0).getAction());
    assertEquals("DisruptionTarget", rules.get(0).getOnPodConditions().get(0).getType());
    assertEquals("True", rules.get(0).getOnPodConditions().get(0).getStatus());
    assertEquals("FailIndex", rules.get(1).getAction());
    assertEquals("In", rules.get(1).getOnExitCodes().getOperator());
    assertEquals(
        List.of(11, 12, 42), rules.get(1).getOnExitCodes().getValues(), "0 is never listed");
    assertEquals("Never", spec.getTemplate().getSpec().getRestartPolicy());
  }

  @Test
  void namesAreShortDeterministicDnsLabels() throws Exception {
    ShardRequest r = gpuRequest();
    String name = render(r, config()).getMetadata().getName();
    assertEquals(name, JobNaming.jobName(r), "deterministic");
    assertTrue(JobNaming.isDns1123Label(name), name);
    assertTrue(name.startsWith("cx-fly1-r7-segment-inference-s12-a3-"), name);
    // very long sample and run names, odd characters, huge shard numbers
    StepConfig s =
        new StepConfig(
            "Mouse_Cortex.2024-LONG_" + "x".repeat(80) + "/Run.With_Dots_" + "y".repeat(70),
            "Mouse_Cortex.2024-LONG_" + "x".repeat(80),
            "synapses",
            "detect",
            0,
            "synthetic",
            Map.of(),
            null,
            null,
            1,
            1,
            1,
            1,
            new TaskRetry(1, Duration.ZERO, 1, Duration.ZERO, List.of()),
            0,
            0,
            new Resources("1", "1Gi", 0),
            Duration.ofHours(1),
            "q",
            "abc");
    List<String> names = new ArrayList<>();
    for (long shard : new long[] {0, 1, 123_456_789_012L}) {
      for (int attempt : new int[] {1, 2, Integer.MAX_VALUE}) {
        ShardRequest req =
            new ShardRequest(
                s, shard, List.of(UnitRange.of(0, 1)), Path.of("/d"), attempt, s.runId(), null);
        String n = JobNaming.jobName(req);
        assertTrue(n.length() <= JobNaming.MAX_NAME && n.length() <= 63, n);
        assertTrue(JobNaming.isDns1123Label(n), n);
        assertFalse(names.contains(n), n);
        names.add(n);
        JobNaming.labels(req)
            .values()
            .forEach(v -> assertTrue(JobNaming.isLabelValue(v), "label value " + v));
      }
    }
    // a replanned step (other parameters) never reuses a Job
    StepConfig other =
        new StepConfig(
            s.runId(),
            s.sample(),
            s.stage(),
            s.step(),
            0,
            "synthetic",
            Map.of(),
            null,
            null,
            1,
            1,
            1,
            1,
            s.retry(),
            0,
            0,
            s.resources(),
            s.timeout(),
            "q",
            "def");
    assertNotEquals(
        JobNaming.jobName(
            new ShardRequest(s, 0, List.of(UnitRange.of(0, 1)), Path.of("/d"), 1, s.runId(), null)),
        JobNaming.jobName(
            new ShardRequest(
                other, 0, List.of(UnitRange.of(0, 1)), Path.of("/d"), 1, s.runId(), null)));
  }

  @Test
  void labelsAndAnnotationsNameTheShard() throws Exception {
    V1Job job = render(gpuRequest(), config());
    Map<String, String> l = job.getMetadata().getLabels();
    assertEquals("connectome-task", l.get("app.kubernetes.io/name"));
    assertEquals("connectome", l.get("app.kubernetes.io/part-of"));
    assertEquals("connectome-worker", l.get("app.kubernetes.io/managed-by"));
    assertEquals("segment", l.get("app.kubernetes.io/component"));
    assertEquals("fly1", l.get("connectome.org/sample"));
    assertEquals("r7", l.get("connectome.org/run"));
    assertEquals("segment", l.get("connectome.org/stage"));
    assertEquals("inference", l.get("connectome.org/step"));
    assertEquals("12", l.get("connectome.org/shard"));
    assertEquals(
        job.getSpec().getTemplate().getMetadata().getLabels(), l, "pods carry the same labels");
    Map<String, String> a = job.getMetadata().getAnnotations();
    assertEquals("fly1/r7", a.get("connectome.org/run-id"));
    assertEquals(gpuRequest().step().paramsHash(), a.get("connectome.org/params-hash"));
    assertEquals(JobNaming.key(gpuRequest()), a.get("connectome.org/job-key"));
    assertEquals("1200-1249,1260-1269", a.get("connectome.org/tasks"));
  }

  @Test
  void podsRunLockedDown() throws Exception {
    V1PodSpec pod = render(gpuRequest(), config()).getSpec().getTemplate().getSpec();
    assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken());
    assertEquals("connectome-task", pod.getServiceAccountName());
    assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
    assertEquals(10001L, pod.getSecurityContext().getRunAsUser());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    V1Container c = pod.getContainers().get(0);
    var sc = c.getSecurityContext();
    assertEquals(Boolean.TRUE, sc.getRunAsNonRoot());
    assertEquals(10001L, sc.getRunAsUser());
    assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem());
    assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());
    assertEquals("RuntimeDefault", sc.getSeccompProfile().getType());
    // /tmp is the only writable place besides the data volume
    assertTrue(
        pod.getVolumes().stream()
            .anyMatch(v -> v.getName().equals("tmp") && v.getEmptyDir() != null));
    assertTrue(
        c.getVolumeMounts().stream()
            .anyMatch(m -> m.getName().equals("tmp") && m.getMountPath().equals("/tmp")));
    assertEquals("regcred", pod.getImagePullSecrets().get(0).getName());
  }

  @Test
  void resourcesAreRequestedAsLimitsWithGpus() throws Exception {
    V1Container c =
        render(gpuRequest(), config()).getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, Quantity> req = c.getResources().getRequests();
    assertEquals(req, c.getResources().getLimits());
    assertEquals(Quantity.fromString("4"), req.get("cpu"));
    assertEquals(Quantity.fromString("16Gi"), req.get("memory"));
    assertEquals(Quantity.fromString("1"), req.get("nvidia.com/gpu"));
    // no GPU: no GPU resource, toleration or GPU pool selector
    V1PodSpec cpuPod =
        render(Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 2)), config())
            .getSpec()
            .getTemplate()
            .getSpec();
    assertFalse(
        cpuPod.getContainers().get(0).getResources().getLimits().containsKey("nvidia.com/gpu"));
    assertTrue(cpuPod.getTolerations() == null || cpuPod.getTolerations().isEmpty());
    assertEquals(Map.of("zone", "a"), cpuPod.getNodeSelector());
    assertEquals("batch-low", cpuPod.getPriorityClassName());
  }

  @Test
  void placementMergesTheWorkerDefaultsTheGpuPoolAndTheStage() throws Exception {
    V1PodSpec pod = render(gpuRequest(), config()).getSpec().getTemplate().getSpec();
    assertEquals(
        Map.of("zone", "a", "nvidia.com/gpu.present", "true", "pool", "gpu-a100"),
        pod.getNodeSelector());
    List<V1Toleration> t = pod.getTolerations();
    assertTrue(
        t.stream()
            .anyMatch(
                x ->
                    "nvidia.com/gpu".equals(x.getKey())
                        && "Exists".equals(x.getOperator())
                        && "NoSchedule".equals(x.getEffect())),
        t.toString());
    assertTrue(
        t.stream().anyMatch(x -> "dedicated".equals(x.getKey()) && "gpu".equals(x.getValue())),
        t.toString());
    assertEquals(
        "segmentation-high", pod.getPriorityClassName(), "the stage's priority class wins");
  }

  @Test
  void theDataClaimIsMountedAtTheDataRoot() throws Exception {
    V1Job job = render(gpuRequest(), config());
    V1PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertEquals(
        "connectome-data",
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals("data"))
            .findFirst()
            .orElseThrow()
            .getPersistentVolumeClaim()
            .getClaimName());
    // the request's step folder is /data/fly1/r7/stages/segment/inference: the data root is /data
    assertEquals(
        "/data",
        pod.getContainers().get(0).getVolumeMounts().stream()
            .filter(m -> m.getName().equals("data"))
            .findFirst()
            .orElseThrow()
            .getMountPath());
    V1Job explicit =
        render(gpuRequest(), config().toBuilder().dataMountPath(Path.of("/mnt/em")).build());
    assertTrue(
        explicit.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts().stream()
            .anyMatch(m -> m.getMountPath().equals("/mnt/em")));
  }

  @Test
  void thePodEnvironmentIsTheTaskProtocol() throws Exception {
    V1Container c =
        render(gpuRequest(), config()).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("registry.example.org/connectome-task:1.4.0", c.getImage());
    assertEquals("/data/fly1/r7/stages/segment/inference", env(c, "CX_STEP_DIR"));
    assertEquals("1200-1249,1260-1269", env(c, "CX_TASKS"));
    assertEquals(
        "metadata.annotations['batch.kubernetes.io/job-index-failure-count']",
        fieldPath(c, "CX_INDEX_FAILURES"));
    assertEquals(
        "metadata.annotations['batch.kubernetes.io/job-index-ignored-failure-count']",
        fieldPath(c, "CX_INDEX_IGNORED_FAILURES"));
    assertEquals("spec.nodeName", fieldPath(c, "CX_NODE_NAME"));
    assertEquals("$(CX_POD_NAME)@$(CX_NODE_NAME)", env(c, "CX_HOST"));
    assertEquals(List.of("/bin/sh", "-c"), c.getCommand().subList(0, 2));
    assertEquals(
        KubernetesExecutorConfig.DEFAULT_TASK_COMMAND,
        c.getCommand().subList(4, c.getCommand().size()));
    assertTrue(
        c.getCommand().get(c.getCommand().size() - 1).equals("org.connectome.tasks.TaskMain"));
  }

  @Test
  void theWrapperComputesTheAttemptFromTheFailureCounts() throws Exception {
    KubernetesExecutorConfig cfg =
        config().toBuilder().taskCommand(List.of("/usr/bin/env")).build();
    V1Container c =
        render(gpuRequest(), cfg).getSpec().getTemplate().getSpec().getContainers().get(0);
    String out =
        runAsKubelet(
            c.getCommand(), Map.of("CX_INDEX_FAILURES", "2", "CX_INDEX_IGNORED_FAILURES", "1"));
    assertTrue(out.contains("CX_TASK_ATTEMPT=4"), out);
    out =
        runAsKubelet(
            c.getCommand(), Map.of("CX_INDEX_FAILURES", "", "CX_INDEX_IGNORED_FAILURES", ""));
    assertTrue(out.contains("CX_TASK_ATTEMPT=1"), "annotations absent: first attempt\n" + out);
  }

  static TaskDefinition blockDefinition() {
    BlockGrid grid =
        new BlockGrid(new Vec3(200, 100, 10), new Vec3(100, 100, 10), new Vec3(8, 8, 2));
    StepPlan plan =
        new StepPlan(new UnitSpace("block", 2, grid, "2 blocks"), new Grouping(2, 1, 100));
    return new TaskDefinition(
        "fly1/r7",
        "segment",
        "inference",
        "container",
        Map.of(),
        "h",
        "v",
        plan,
        "/data/fly1/r7",
        null,
        null);
  }

  @Test
  void aContainerStepRunsItsCommandWithPlaceholdersPerIndex() throws Exception {
    ContainerSpec container =
        new ContainerSpec(
            "facility.example.org/ffn:2.1",
            List.of(
                "printf",
                "%s\\n",
                "--units={unitStart}:{unitEnd}",
                "--bbox",
                "{bbox}",
                "--out={stepDir}/output",
                "--model={params.model}",
                "it's $(NOT_EXPANDED) $HOME"),
            Map.of("OMP_NUM_THREADS", "4", "CX_TASKS", "not-overridden"));
    StepConfig step =
        new StepConfig(
            "fly1/r7",
            "fly1",
            "segment",
            "inference",
            0,
            "container",
            Map.of("model", "ffn-h01-v3"),
            container,
            null,
            1,
            100,
            2,
            1,
            new TaskRetry(2, Duration.ZERO, 1, Duration.ZERO, List.of()),
            0,
            0,
            new Resources("1", "2Gi", 0),
            Duration.ofHours(1),
            "q",
            "h");
    ShardRequest r = Shards.request(step, 0, 1, UnitRange.of(0, 2));
    V1Container c =
        JobFactory.render(r, config(), blockDefinition())
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertEquals("facility.example.org/ffn:2.1", c.getImage());
    assertEquals("0:0:1:0-108_0-100_0-10 1:1:2:92-200_0-100_0-10", env(c, "CX_UNIT_TABLE"));
    assertEquals("4", env(c, "OMP_NUM_THREADS"));
    assertEquals("0-1", env(c, "CX_TASKS"), "a stage's env cannot override the platform's");
    Map<String, String> podEnv = new LinkedHashMap<>();
    podEnv.put("JOB_COMPLETION_INDEX", "1");
    podEnv.put("CX_UNIT_TABLE", env(c, "CX_UNIT_TABLE"));
    podEnv.put("HOME", "/tmp");
    String out = runAsKubelet(c.getCommand(), podEnv);
    assertEquals(
        List.of(
            "--units=1:2",
            "--bbox",
            "92-200_0-100_0-10",
            "--out=/data/fly1/r7/stages/segment/inference/output",
            "--model=ffn-h01-v3",
            "it's $(NOT_EXPANDED) $HOME"),
        out.lines().toList());
    // an unknown placeholder is a bad definition, found before anything is created
    ContainerSpec bad = new ContainerSpec("img", List.of("run", "{unitBegin}"), null);
    StepConfig badStep =
        new StepConfig(
            "fly1/r7",
            "fly1",
            "segment",
            "inference",
            0,
            "container",
            Map.of(),
            bad,
            null,
            1,
            100,
            2,
            1,
            step.retry(),
            0,
            0,
            step.resources(),
            step.timeout(),
            "q",
            "h");
    var e =
        assertThrows(
            JobFactory.InvalidShardException.class,
            () ->
                JobFactory.render(
                    Shards.request(badStep, 0, 1, UnitRange.of(0, 1)),
                    config(),
                    blockDefinition()));
    assertTrue(e.getMessage().contains("{unitBegin}"), e.getMessage());
  }

  @Test
  void kueueJobsAreSuspendedAndLabelled() throws Exception {
    V1Job job = render(gpuRequest(), config().toBuilder().kueueQueue("em-gpu").build());
    assertEquals(Boolean.TRUE, job.getSpec().getSuspend());
    assertEquals("em-gpu", job.getMetadata().getLabels().get("kueue.x-k8s.io/queue-name"));
  }

  @Test
  void theRunSettingsOverrideTheWorkerDefaults() {
    KubernetesExecutorConfig merged =
        config()
            .withRunSettings(
                new KubernetesExecutorSpec(
                    "em-prod",
                    "my/task:2",
                    null,
                    "em-data",
                    30,
                    null,
                    "q1",
                    Map.of("zone", "b", "disk", "ssd")));
    assertEquals("em-prod", merged.namespace());
    assertEquals("my/task:2", merged.image());
    assertEquals("connectome-task", merged.serviceAccount(), "unset: the worker's");
    assertEquals("em-data", merged.dataClaim());
    assertEquals(
        KubernetesExecutorConfig.MIN_TTL_SECONDS,
        merged.ttlSecondsAfterFinished(),
        "at least a minute");
    assertEquals("q1", merged.kueueQueue());
    assertEquals(Map.of("zone", "b", "disk", "ssd"), merged.nodeSelector());
    KubernetesExecutor ex =
        new KubernetesExecutor(new io.kubernetes.client.openapi.ApiClient(), config());
    ShardRequest r = gpuRequest();
    ShardRequest withSpec =
        new ShardRequest(
            r.step(),
            r.shard(),
            r.tasks(),
            r.stepDir(),
            r.attempt(),
            r.runId(),
            new ExecutorSpec(
                "kubernetes",
                null,
                new KubernetesExecutorSpec("em-prod", null, null, null, null, null, null, null)));
    assertEquals("em-prod", ex.configFor(withSpec).namespace());
    assertEquals("connectome", ex.configFor(r).namespace());
  }

  /**
   * Runs a container command as the kubelet would: $(VAR) expansion, then exec with the pod's
   * environment.
   */
  static String runAsKubelet(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    List<String> cmd = command.stream().map(s -> expand(s, env)).toList();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  /** Kubernetes' $(VAR) expansion of commands, arguments and env values (podman-node's too). */
  static String expand(String s, Map<String, String> env) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '$' && i + 1 < s.length()) {
        char next = s.charAt(i + 1);
        if (next == '$') {
          b.append('$');
          i++;
          continue;
        }
        if (next == '(') {
          int close = s.indexOf(')', i + 2);
          if (close > 0) {
            String name = s.substring(i + 2, close);
            if (env.containsKey(name)) {
              b.append(env.get(name));
              i = close;
              continue;
            }
          }
        }
      }
      b.append(ch);
    }
    return b.toString();
  }
}
