package org.connectome.executor.k8s;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Capabilities;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EmptyDirVolumeSource;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1EnvVarSource;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobSpec;
import io.kubernetes.client.openapi.models.V1LocalObjectReference;
import io.kubernetes.client.openapi.models.V1ObjectFieldSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaimVolumeSource;
import io.kubernetes.client.openapi.models.V1PodFailurePolicy;
import io.kubernetes.client.openapi.models.V1PodFailurePolicyOnExitCodesRequirement;
import io.kubernetes.client.openapi.models.V1PodFailurePolicyOnPodConditionsPattern;
import io.kubernetes.client.openapi.models.V1PodFailurePolicyRule;
import io.kubernetes.client.openapi.models.V1PodSecurityContext;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import io.kubernetes.client.openapi.models.V1SeccompProfile;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Toleration;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.connectome.executor.ShardRequest;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.ContainerSpec;
import org.connectome.spec.KubernetesStageSpec;
import org.connectome.spec.Resources;
import org.connectome.spec.TolerationSpec;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskEnv;
import org.connectome.task.TaskExitCodes;
import org.connectome.units.Ranges;

/**
 * Renders the Indexed Job of a shard. Pure: no API calls, so what it renders is tested as it is.
 */
public final class JobFactory {
  public static final String CONTAINER = "task";
  public static final String GPU = "nvidia.com/gpu";
  public static final long RUN_AS = 10001;

  /** Implementation name of a facility's own container ({@code implementation: container}). */
  public static final String CONTAINER_IMPLEMENTATION = "container";

  static final String ANN_INDEX_FAILURES = "batch.kubernetes.io/job-index-failure-count";
  static final String ANN_INDEX_IGNORED_FAILURES =
      "batch.kubernetes.io/job-index-ignored-failure-count";

  /**
   * Exit codes Kubernetes must not retry whatever the step says: the platform's own "retrying won't
   * help".
   */
  static final List<Integer> PLATFORM_NON_RETRYABLE =
      List.of(TaskExitCodes.UNITS_FAILED_PERMANENTLY, TaskExitCodes.BAD_DEFINITION);

  private JobFactory() {}

  /**
   * A shard that cannot become a Job: no image, an unknown placeholder. Its tasks fail as a bad
   * definition.
   */
  public static final class InvalidShardException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidShardException(String message) {
      super(message);
    }
  }

  /** The image of the shard's pods: the stage's container image, else the executor's task image. */
  static String image(StepConfig step, KubernetesExecutorConfig config) {
    ContainerSpec c = step.container();
    if (c != null && c.image() != null && !c.image().isBlank()) {
      return c.image();
    }
    return config.image();
  }

  static boolean isContainerStep(StepConfig step) {
    return CONTAINER_IMPLEMENTATION.equals(step.implementation());
  }

  /**
   * Where the data claim is mounted: the configured path, else the data root above the step folder.
   */
  static Path dataMountPath(ShardRequest r, KubernetesExecutorConfig config) {
    if (config.dataMountPath() != null) {
      return config.dataMountPath();
    }
    Path p =
        r.stepDir().toAbsolutePath().normalize(); // <dataRoot>/<sample>/<run>/stages/<stage>/<step>
    for (int i = 0; i < 5 && p.getParent() != null; i++) {
      p = p.getParent();
    }
    return p;
  }

  /**
   * The shard's Job.
   *
   * @param definition the step's definition; needed only by container steps whose command uses
   *     per-unit placeholders (may be null otherwise)
   */
  public static V1Job render(
      ShardRequest r, KubernetesExecutorConfig config, TaskDefinition definition)
      throws InvalidShardException {
    StepConfig step = r.step();
    String image = image(step, config);
    if (image == null) {
      throw new InvalidShardException(
          "no task image: set executor.kubernetes.image in the run spec, the worker's "
              + "--image (CX_TASK_IMAGE), or the stage's container.image");
    }
    int completions = (int) Ranges.count(r.tasks());
    if (completions < 1) {
      throw new InvalidShardException("the shard has no tasks to run");
    }
    String name = JobNaming.jobName(r);
    Map<String, String> labels = JobNaming.labels(r);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(JobNaming.ANN_RUN_ID, r.runId());
    annotations.put(JobNaming.ANN_PARAMS_HASH, step.paramsHash());
    annotations.put(JobNaming.ANN_KEY, JobNaming.key(r));
    annotations.put(JobNaming.ANN_TASKS, Ranges.format(r.tasks()));
    annotations.put(JobNaming.ANN_ATTEMPT, Integer.toString(r.attempt()));
    annotations.put(JobNaming.ANN_STEP_DIR, r.stepDir().toString());
    Map<String, String> jobLabels = new LinkedHashMap<>(labels);
    if (config.kueueQueue() != null) {
      jobLabels.put(JobNaming.LABEL_KUEUE_QUEUE, config.kueueQueue());
    }

    V1Container container =
        new V1Container()
            .name(CONTAINER)
            .image(image)
            .command(command(r, definition, config))
            .env(env(r, definition))
            .resources(resources(step.resources()))
            .securityContext(
                new V1SecurityContext()
                    .runAsNonRoot(true)
                    .runAsUser(RUN_AS)
                    .runAsGroup(RUN_AS)
                    .readOnlyRootFilesystem(true)
                    .allowPrivilegeEscalation(false)
                    .privileged(false)
                    .capabilities(new V1Capabilities().drop(List.of("ALL")))
                    .seccompProfile(new V1SeccompProfile().type("RuntimeDefault")))
            .addVolumeMountsItem(new V1VolumeMount().name("tmp").mountPath("/tmp"));
    V1PodSpec pod =
        new V1PodSpec()
            .restartPolicy("Never")
            .automountServiceAccountToken(false)
            .enableServiceLinks(false)
            .terminationGracePeriodSeconds(30L)
            .securityContext(
                new V1PodSecurityContext()
                    .runAsNonRoot(true)
                    .runAsUser(RUN_AS)
                    .runAsGroup(RUN_AS)
                    .fsGroup(RUN_AS)
                    .seccompProfile(new V1SeccompProfile().type("RuntimeDefault")))
            .addVolumesItem(new V1Volume().name("tmp").emptyDir(new V1EmptyDirVolumeSource()));
    if (config.dataClaim() != null) {
      String mount = dataMountPath(r, config).toString();
      pod.addVolumesItem(
          new V1Volume()
              .name("data")
              .persistentVolumeClaim(
                  new V1PersistentVolumeClaimVolumeSource().claimName(config.dataClaim())));
      container.addVolumeMountsItem(new V1VolumeMount().name("data").mountPath(mount));
    }
    pod.addContainersItem(container);
    if (config.serviceAccount() != null) {
      pod.serviceAccountName(config.serviceAccount());
    }
    for (String secret : config.imagePullSecrets()) {
      pod.addImagePullSecretsItem(new V1LocalObjectReference().name(secret));
    }
    boolean gpu =
        step.resources() != null && step.resources().gpu() != null && step.resources().gpu() > 0;
    KubernetesStageSpec placement = step.kubernetes();
    Map<String, String> nodeSelector = new LinkedHashMap<>(config.nodeSelector());
    if (gpu) {
      nodeSelector.putAll(config.gpuNodeSelector());
    }
    if (placement != null) {
      nodeSelector.putAll(placement.nodeSelector());
    }
    if (!nodeSelector.isEmpty()) {
      pod.nodeSelector(nodeSelector);
    }
    List<TolerationSpec> tolerations = new ArrayList<>(config.tolerations());
    if (gpu) {
      tolerations.add(new TolerationSpec(GPU, "Exists", null, "NoSchedule"));
      tolerations.addAll(config.gpuTolerations());
    }
    if (placement != null) {
      tolerations.addAll(placement.tolerations());
    }
    List<V1Toleration> tols = tolerations.stream().distinct().map(JobFactory::toleration).toList();
    if (!tols.isEmpty()) {
      pod.tolerations(tols);
    }
    String priority =
        placement != null && placement.priorityClass() != null
            ? placement.priorityClass()
            : config.priorityClass();
    if (priority != null) {
      pod.priorityClassName(priority);
    }

    V1JobSpec spec =
        new V1JobSpec()
            .completionMode("Indexed")
            .completions(completions)
            .parallelism(Math.max(1, Math.min(step.parallelism(), completions)))
            .backoffLimitPerIndex(Math.max(0, step.retry().maxAttempts() - 1))
            .maxFailedIndexes(completions)
            .podReplacementPolicy("Failed")
            .podFailurePolicy(failurePolicy(step))
            .ttlSecondsAfterFinished(config.ttlSecondsAfterFinished())
            .activeDeadlineSeconds(Math.max(1, (step.timeout().toMillis() + 999) / 1000))
            .template(
                new V1PodTemplateSpec().metadata(new V1ObjectMeta().labels(labels)).spec(pod));
    if (config.kueueQueue() != null) {
      spec.suspend(true);
    }
    return new V1Job()
        .apiVersion("batch/v1")
        .kind("Job")
        .metadata(
            new V1ObjectMeta()
                .name(name)
                .namespace(config.namespace())
                .labels(jobLabels)
                .annotations(annotations))
        .spec(spec);
  }

  /**
   * Evictions and preemptions never count; the platform's and the step's non-retryable exit codes
   * fail at once.
   */
  static V1PodFailurePolicy failurePolicy(StepConfig step) {
    TreeSet<Integer> codes = new TreeSet<>(PLATFORM_NON_RETRYABLE);
    codes.addAll(step.retry().nonRetryableExitCodes());
    codes.remove(0); // Kubernetes refuses 0 with the In operator, and success is never a failure
    codes.removeIf(c -> c < 0 || c > 255);
    List<Integer> values = new ArrayList<>(codes);
    if (values.size() > 255) { // the API's limit
      values = values.subList(0, 255);
    }
    return new V1PodFailurePolicy()
        .addRulesItem(
            new V1PodFailurePolicyRule()
                .action("Ignore")
                .addOnPodConditionsItem(
                    new V1PodFailurePolicyOnPodConditionsPattern()
                        .type("DisruptionTarget")
                        .status("True")))
        .addRulesItem(
            new V1PodFailurePolicyRule()
                .action("FailIndex")
                .onExitCodes(
                    new V1PodFailurePolicyOnExitCodesRequirement().operator("In").values(values)));
  }

  static V1ResourceRequirements resources(Resources res) {
    Map<String, Quantity> q = new LinkedHashMap<>();
    String cpu = res == null || res.cpu() == null ? "1" : res.cpu();
    String memory = res == null || res.memory() == null ? "1Gi" : res.memory();
    q.put("cpu", Quantity.fromString(cpu));
    q.put("memory", Quantity.fromString(memory));
    if (res != null && res.gpu() != null && res.gpu() > 0) {
      q.put(GPU, Quantity.fromString(Integer.toString(res.gpu())));
    }
    return new V1ResourceRequirements()
        .requests(new LinkedHashMap<>(q))
        .limits(new LinkedHashMap<>(q));
  }

  private static V1Toleration toleration(TolerationSpec t) {
    V1Toleration v =
        new V1Toleration().key(t.key()).operator(t.operator() == null ? "Equal" : t.operator());
    if (t.value() != null && !"Exists".equals(t.operator())) {
      v.value(t.value());
    }
    if (t.effect() != null && !t.effect().isBlank()) {
      v.effect(t.effect());
    }
    return v;
  }

  private static List<String> command(
      ShardRequest r, TaskDefinition def, KubernetesExecutorConfig config)
      throws InvalidShardException {
    StepConfig step = r.step();
    if (!isContainerStep(step)) {
      return CommandTemplate.platform(config.taskCommand());
    }
    ContainerSpec c = step.container();
    if (c == null || c.command() == null || c.command().isEmpty()) {
      throw new InvalidShardException(
          "step "
              + step.qualifiedName()
              + " has implementation 'container' but no "
              + "container.command");
    }
    try {
      return CommandTemplate.container(c.command(), r.stepDir().toString(), step.params());
    } catch (IllegalArgumentException e) {
      throw new InvalidShardException(e.getMessage());
    }
  }

  private static List<V1EnvVar> env(ShardRequest r, TaskDefinition def)
      throws InvalidShardException {
    StepConfig step = r.step();
    List<V1EnvVar> env = new ArrayList<>();
    env.add(new V1EnvVar().name(TaskEnv.STEP_DIR).value(r.stepDir().toString()));
    env.add(new V1EnvVar().name(TaskEnv.TASKS).value(Ranges.format(r.tasks())));
    env.add(
        fieldRef(
            CommandTemplate.INDEX_FAILURES, "metadata.annotations['" + ANN_INDEX_FAILURES + "']"));
    env.add(
        fieldRef(
            CommandTemplate.INDEX_IGNORED_FAILURES,
            "metadata.annotations['" + ANN_INDEX_IGNORED_FAILURES + "']"));
    env.add(fieldRef("CX_POD_NAME", "metadata.name"));
    env.add(fieldRef("CX_NODE_NAME", "spec.nodeName"));
    env.add(new V1EnvVar().name(TaskEnv.HOST).value("$(CX_POD_NAME)@$(CX_NODE_NAME)"));
    env.add(new V1EnvVar().name("CX_RUN_ID").value(r.runId()));
    env.add(new V1EnvVar().name("CX_STAGE").value(step.stage()));
    env.add(new V1EnvVar().name("CX_STEP").value(step.step()));
    env.add(new V1EnvVar().name("HOME").value("/tmp"));
    if (isContainerStep(step)) {
      if (def == null || def.plan() == null) {
        throw new InvalidShardException(
            "step "
                + step.qualifiedName()
                + ": cannot read its plan from "
                + r.stepDir().resolve("step.json"));
      }
      env.add(
          new V1EnvVar()
              .name(CommandTemplate.UNIT_TABLE)
              .value(
                  CommandTemplate.unitTable(
                      r.tasks(),
                      def.plan(),
                      CommandTemplate.usesBbox(step.container().command()))));
      env.add(
          new V1EnvVar()
              .name("CX_UNITS_PER_TASK")
              .value(Integer.toString(def.plan().grouping().unitsPerTask())));
      env.add(
          new V1EnvVar()
              .name("CX_UNIT_COUNT")
              .value(Long.toString(def.plan().grouping().unitCount())));
    }
    ContainerSpec c = step.container();
    if (c != null && c.env() != null) {
      java.util.Set<String> platform = new java.util.HashSet<>();
      env.forEach(e -> platform.add(e.getName()));
      c.env().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .filter(e -> !platform.contains(e.getKey()))
          .forEach(e -> env.add(new V1EnvVar().name(e.getKey()).value(e.getValue())));
    }
    return env;
  }

  private static V1EnvVar fieldRef(String name, String path) {
    return new V1EnvVar()
        .name(name)
        .valueFrom(new V1EnvVarSource().fieldRef(new V1ObjectFieldSelector().fieldPath(path)));
  }
}
