package org.connectome.executor.k8s;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.spec.KubernetesExecutorSpec;
import org.connectome.spec.TolerationSpec;

/**
 * Settings of the Kubernetes executor: the worker's defaults (command line, environment,
 * ConfigMap), over which a run's {@code executor.kubernetes} settings are laid with {@link
 * #withRunSettings}.
 *
 * @param namespace namespace of the Jobs
 * @param image default task image (a stage's {@code container.image} overrides it)
 * @param serviceAccount service account of the task pods, or null for the namespace's default
 * @param dataClaim PersistentVolumeClaim holding the data root, or null for none
 * @param dataMountPath where the claim is mounted: the data root's absolute path, the same in the
 *     worker and in the pods, so that paths in {@code step.json} hold; null: derived from the step
 *     folder ({@code <dataRoot>/<sample>/<run>/stages/<stage>/<step>})
 * @param ttlSecondsAfterFinished how long finished Jobs are kept (at least {@link
 *     #MIN_TTL_SECONDS})
 * @param priorityClass priority class of the task pods, or null
 * @param kueueQueue Kueue LocalQueue; when set, Jobs are created suspended and labelled for Kueue
 * @param nodeSelector node selector of every task pod
 * @param tolerations tolerations of every task pod
 * @param gpuNodeSelector node selector added to pods that request GPUs (the GPU node pool)
 * @param gpuTolerations tolerations added to pods that request GPUs (besides {@code
 *     nvidia.com/gpu})
 * @param imagePullSecrets image pull secrets of the task pods
 * @param taskCommand the platform's task entry point inside the task image
 * @param pollInterval how often a running Job's status and pods are read
 * @param stuckPodGrace how long a pod may wait on an image pull or configuration error before the
 *     shard is stopped and its tasks fail as not retryable
 * @param apiAttempts attempts of one API call on 429, 5xx, timeouts and refused connections
 * @param apiInitialBackoff wait before the second attempt of an API call (doubled per attempt, with
 *     jitter)
 * @param apiMaxBackoff longest wait between two attempts of an API call
 * @param deleteTimeout how long a stopped shard waits for its Job and pods to be gone
 * @param logTailLines lines of a failed pod's log kept in the task's result
 * @param watch follow Jobs and pods through watches (the default); false asks the API server at
 *     every look (a GET of the Job and a LIST of its pods), for a worker whose Role lacks {@code
 *     watch} and for measuring what the watches save
 */
public record KubernetesExecutorConfig(
    String namespace,
    String image,
    String serviceAccount,
    String dataClaim,
    Path dataMountPath,
    int ttlSecondsAfterFinished,
    String priorityClass,
    String kueueQueue,
    Map<String, String> nodeSelector,
    List<TolerationSpec> tolerations,
    Map<String, String> gpuNodeSelector,
    List<TolerationSpec> gpuTolerations,
    List<String> imagePullSecrets,
    List<String> taskCommand,
    Duration pollInterval,
    Duration stuckPodGrace,
    int apiAttempts,
    Duration apiInitialBackoff,
    Duration apiMaxBackoff,
    Duration deleteTimeout,
    int logTailLines,
    boolean watch) {

  /** Finished Jobs are kept at least this long, so that their last state is read before they go. */
  public static final int MIN_TTL_SECONDS = 60;

  public static final int DEFAULT_TTL_SECONDS = 24 * 3600;

  /** Where the task image keeps the platform's jars (see {@code docker/task.Containerfile}). */
  public static final String TASK_IMAGE_LIB = "/opt/connectome/lib/*";

  /** The task entry point in the task image: the same class a local child process runs. */
  public static final List<String> DEFAULT_TASK_COMMAND =
      List.of(
          "java",
          "-XX:+UseSerialGC",
          "-XX:MaxRAMPercentage=75",
          "-XX:+ExitOnOutOfMemoryError",
          "-Xshare:auto",
          "-cp",
          TASK_IMAGE_LIB,
          "org.connectome.tasks.TaskMain");

  public KubernetesExecutorConfig {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("the Kubernetes executor needs a namespace");
    }
    ttlSecondsAfterFinished = Math.max(MIN_TTL_SECONDS, ttlSecondsAfterFinished);
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    gpuNodeSelector = gpuNodeSelector == null ? Map.of() : Map.copyOf(gpuNodeSelector);
    gpuTolerations = gpuTolerations == null ? List.of() : List.copyOf(gpuTolerations);
    imagePullSecrets = imagePullSecrets == null ? List.of() : List.copyOf(imagePullSecrets);
    taskCommand =
        taskCommand == null || taskCommand.isEmpty()
            ? DEFAULT_TASK_COMMAND
            : List.copyOf(taskCommand);
    pollInterval = positive(pollInterval, Duration.ofSeconds(2));
    stuckPodGrace =
        stuckPodGrace == null || stuckPodGrace.isNegative() ? Duration.ofMinutes(2) : stuckPodGrace;
    apiAttempts = apiAttempts < 1 ? 8 : apiAttempts;
    apiInitialBackoff = positive(apiInitialBackoff, Duration.ofMillis(500));
    apiMaxBackoff = positive(apiMaxBackoff, Duration.ofSeconds(30));
    deleteTimeout = positive(deleteTimeout, Duration.ofSeconds(90));
    logTailLines = logTailLines < 1 ? 40 : logTailLines;
  }

  private static Duration positive(Duration d, Duration dflt) {
    return d == null || d.isZero() || d.isNegative() ? dflt : d;
  }

  public static Builder builder(String namespace) {
    return new Builder(namespace);
  }

  public Builder toBuilder() {
    Builder b = new Builder(namespace);
    b.image = image;
    b.serviceAccount = serviceAccount;
    b.dataClaim = dataClaim;
    b.dataMountPath = dataMountPath;
    b.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
    b.priorityClass = priorityClass;
    b.kueueQueue = kueueQueue;
    b.nodeSelector = nodeSelector;
    b.tolerations = tolerations;
    b.gpuNodeSelector = gpuNodeSelector;
    b.gpuTolerations = gpuTolerations;
    b.imagePullSecrets = imagePullSecrets;
    b.taskCommand = taskCommand;
    b.pollInterval = pollInterval;
    b.stuckPodGrace = stuckPodGrace;
    b.apiAttempts = apiAttempts;
    b.apiInitialBackoff = apiInitialBackoff;
    b.apiMaxBackoff = apiMaxBackoff;
    b.deleteTimeout = deleteTimeout;
    b.logTailLines = logTailLines;
    b.watch = watch;
    return b;
  }

  /**
   * These settings with a run's {@code executor.kubernetes} laid over them: every field the run
   * sets wins; its node selector is merged key by key.
   */
  public KubernetesExecutorConfig withRunSettings(KubernetesExecutorSpec run) {
    if (run == null) {
      return this;
    }
    Builder b = toBuilder();
    if (run.namespace() != null) {
      b.namespace = run.namespace();
    }
    if (run.image() != null) {
      b.image = run.image();
    }
    if (run.serviceAccount() != null) {
      b.serviceAccount = run.serviceAccount();
    }
    if (run.dataVolumeClaim() != null) {
      b.dataClaim = run.dataVolumeClaim();
    }
    if (run.ttlSecondsAfterFinished() != null) {
      b.ttlSecondsAfterFinished = run.ttlSecondsAfterFinished();
    }
    if (run.priorityClass() != null) {
      b.priorityClass = run.priorityClass();
    }
    if (run.kueueQueue() != null) {
      b.kueueQueue = run.kueueQueue();
    }
    if (run.nodeSelector() != null && !run.nodeSelector().isEmpty()) {
      Map<String, String> ns = new LinkedHashMap<>(nodeSelector);
      ns.putAll(run.nodeSelector());
      b.nodeSelector = ns;
    }
    return b.build();
  }

  /** Builds a {@link KubernetesExecutorConfig}; unset fields take their defaults. */
  public static final class Builder {
    private String namespace;
    private String image;
    private String serviceAccount;
    private String dataClaim;
    private Path dataMountPath;
    private int ttlSecondsAfterFinished = DEFAULT_TTL_SECONDS;
    private String priorityClass;
    private String kueueQueue;
    private Map<String, String> nodeSelector;
    private List<TolerationSpec> tolerations;
    private Map<String, String> gpuNodeSelector;
    private List<TolerationSpec> gpuTolerations;
    private List<String> imagePullSecrets;
    private List<String> taskCommand;
    private Duration pollInterval;
    private Duration stuckPodGrace;
    private int apiAttempts;
    private Duration apiInitialBackoff;
    private Duration apiMaxBackoff;
    private Duration deleteTimeout;
    private int logTailLines;
    private boolean watch = true;

    private Builder(String namespace) {
      this.namespace = namespace;
    }

    public Builder namespace(String v) {
      namespace = v;
      return this;
    }

    public Builder image(String v) {
      image = v;
      return this;
    }

    public Builder serviceAccount(String v) {
      serviceAccount = v;
      return this;
    }

    public Builder dataClaim(String v) {
      dataClaim = v;
      return this;
    }

    public Builder dataMountPath(Path v) {
      dataMountPath = v;
      return this;
    }

    public Builder ttlSecondsAfterFinished(int v) {
      ttlSecondsAfterFinished = v;
      return this;
    }

    public Builder priorityClass(String v) {
      priorityClass = v;
      return this;
    }

    public Builder kueueQueue(String v) {
      kueueQueue = v;
      return this;
    }

    public Builder nodeSelector(Map<String, String> v) {
      nodeSelector = v;
      return this;
    }

    public Builder tolerations(List<TolerationSpec> v) {
      tolerations = v;
      return this;
    }

    public Builder gpuNodeSelector(Map<String, String> v) {
      gpuNodeSelector = v;
      return this;
    }

    public Builder gpuTolerations(List<TolerationSpec> v) {
      gpuTolerations = v;
      return this;
    }

    public Builder imagePullSecrets(List<String> v) {
      imagePullSecrets = v;
      return this;
    }

    public Builder taskCommand(List<String> v) {
      taskCommand = v;
      return this;
    }

    public Builder pollInterval(Duration v) {
      pollInterval = v;
      return this;
    }

    public Builder stuckPodGrace(Duration v) {
      stuckPodGrace = v;
      return this;
    }

    public Builder apiAttempts(int v) {
      apiAttempts = v;
      return this;
    }

    public Builder apiInitialBackoff(Duration v) {
      apiInitialBackoff = v;
      return this;
    }

    public Builder apiMaxBackoff(Duration v) {
      apiMaxBackoff = v;
      return this;
    }

    public Builder deleteTimeout(Duration v) {
      deleteTimeout = v;
      return this;
    }

    public Builder logTailLines(int v) {
      logTailLines = v;
      return this;
    }

    public Builder watch(boolean v) {
      watch = v;
      return this;
    }

    public KubernetesExecutorConfig build() {
      return new KubernetesExecutorConfig(
          namespace,
          blankToNull(image),
          blankToNull(serviceAccount),
          blankToNull(dataClaim),
          dataMountPath,
          ttlSecondsAfterFinished,
          blankToNull(priorityClass),
          blankToNull(kueueQueue),
          nodeSelector,
          tolerations,
          gpuNodeSelector,
          gpuTolerations,
          imagePullSecrets,
          taskCommand,
          pollInterval,
          stuckPodGrace,
          apiAttempts,
          apiInitialBackoff,
          apiMaxBackoff,
          deleteTimeout,
          logTailLines,
          watch);
    }

    private static String blankToNull(String s) {
      return s == null || s.isBlank() ? null : s;
    }
  }
}
