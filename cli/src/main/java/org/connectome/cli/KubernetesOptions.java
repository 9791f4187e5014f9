package org.connectome.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.executor.k8s.KubernetesExecutorConfig;
import org.connectome.spec.Durations;
import org.connectome.spec.TolerationSpec;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where a worker's Kubernetes executor creates its Jobs and what their pods look like. Every option
 * has an environment variable, so a Deployment configures its workers from a ConfigMap; a run's
 * {@code executor.kubernetes} settings override them.
 */
final class KubernetesOptions {
  @Option(
      names = "--k8s-namespace",
      paramLabel = "NS",
      defaultValue = "${env:CX_K8S_NAMESPACE}",
      description =
          "Kubernetes: namespace of the task Jobs (env CX_K8S_NAMESPACE; default: the worker pod's own).")
  String k8sNamespace;

  @Option(
      names = "--image",
      defaultValue = "${env:CX_TASK_IMAGE}",
      description =
          "Kubernetes: task image (env CX_TASK_IMAGE); a run's executor.kubernetes.image and a stage's "
              + "container.image override it.")
  String image;

  @Option(
      names = "--data-claim",
      paramLabel = "PVC",
      defaultValue = "${env:CX_DATA_CLAIM}",
      description =
          "Kubernetes: PersistentVolumeClaim of the data root, mounted in every task pod (env CX_DATA_CLAIM).")
  String dataClaim;

  @Option(
      names = "--data-mount-path",
      paramLabel = "PATH",
      defaultValue = "${env:CX_DATA_MOUNT_PATH}",
      description =
          "Kubernetes: where the claim is mounted, the data root's absolute path, the same as in this "
              + "worker (env CX_DATA_MOUNT_PATH; default: derived from each step's folder).")
  Path dataMountPath;

  @Option(
      names = "--service-account",
      defaultValue = "${env:CX_TASK_SERVICE_ACCOUNT}",
      description = "Kubernetes: service account of the task pods (env CX_TASK_SERVICE_ACCOUNT).")
  String serviceAccount;

  @Option(
      names = "--priority-class",
      defaultValue = "${env:CX_TASK_PRIORITY_CLASS}",
      description = "Kubernetes: priority class of the task pods (env CX_TASK_PRIORITY_CLASS).")
  String priorityClass;

  @Option(
      names = "--kueue-queue",
      defaultValue = "${env:CX_KUEUE_QUEUE}",
      description =
          "Kubernetes: Kueue LocalQueue; Jobs are then created suspended for Kueue (env CX_KUEUE_QUEUE).")
  String kueueQueue;

  @Option(
      names = "--node-selector",
      paramLabel = "K=V,...",
      defaultValue = "${env:CX_NODE_SELECTOR}",
      description = "Kubernetes: node selector of every task pod (env CX_NODE_SELECTOR).")
  String nodeSelector;

  @Option(
      names = "--tolerations",
      paramLabel = "KEY[=VALUE][:EFFECT],...",
      defaultValue = "${env:CX_TOLERATIONS}",
      description = "Kubernetes: tolerations of every task pod (env CX_TOLERATIONS).")
  String tolerations;

  @Option(
      names = "--gpu-node-selector",
      paramLabel = "K=V,...",
      defaultValue = "${env:CX_GPU_NODE_SELECTOR}",
      description =
          "Kubernetes: node selector added to pods that request GPUs, the GPU node pool "
              + "(env CX_GPU_NODE_SELECTOR).")
  String gpuNodeSelector;

  @Option(
      names = "--gpu-tolerations",
      paramLabel = "KEY[=VALUE][:EFFECT],...",
      defaultValue = "${env:CX_GPU_TOLERATIONS}",
      description =
          "Kubernetes: tolerations added to pods that request GPUs, besides nvidia.com/gpu "
              + "(env CX_GPU_TOLERATIONS).")
  String gpuTolerations;

  @Option(
      names = "--image-pull-secrets",
      paramLabel = "NAME,...",
      defaultValue = "${env:CX_IMAGE_PULL_SECRETS}",
      description = "Kubernetes: image pull secrets of the task pods (env CX_IMAGE_PULL_SECRETS).")
  String imagePullSecrets;

  @Option(
      names = "--job-ttl",
      paramLabel = "SECONDS",
      defaultValue = "${env:CX_JOB_TTL_SECONDS}",
      description =
          "Kubernetes: how long finished Jobs are kept (env CX_JOB_TTL_SECONDS; default one day).")
  Integer jobTtl;

  @Option(
      names = "--poll-interval",
      paramLabel = "DURATION",
      defaultValue = "${env:CX_POLL_INTERVAL:-2s}",
      description =
          "Kubernetes: how often a running Job is read (env CX_POLL_INTERVAL; default ${DEFAULT-VALUE}).")
  String pollInterval;

  @Option(
      names = "--task-command",
      paramLabel = "ARGS",
      defaultValue = "${env:CX_TASK_COMMAND}",
      description =
          "Kubernetes: the task entry point inside the task image, space-separated (env CX_TASK_COMMAND; "
              + "default: java ... -cp /opt/connectome/lib/* org.connectome.tasks.TaskMain).")
  String taskCommand;

  /**
   * The options as the environment sets them, for {@code connectome run} with executor.type
   * kubernetes.
   */
  static KubernetesOptions fromEnvironment() {
    KubernetesOptions o = new KubernetesOptions();
    new CommandLine(new Holder(o)).parseArgs();
    return o;
  }

  @CommandLine.Command(name = "env")
  private static final class Holder {
    @CommandLine.Mixin final KubernetesOptions options;

    Holder(KubernetesOptions options) {
      this.options = options;
    }
  }

  /**
   * The Kubernetes executor's settings from these options; {@code namespace} when the options name
   * none.
   */
  KubernetesExecutorConfig config(String namespace) {
    String ns = blank(k8sNamespace) ? namespace : k8sNamespace;
    if (blank(ns)) {
      ns = podNamespace();
    }
    if (blank(ns)) {
      throw new Platform.PlatformException(
          "the Kubernetes executor needs a namespace: --k8s-namespace or " + "CX_K8S_NAMESPACE",
          null);
    }
    KubernetesExecutorConfig.Builder b =
        KubernetesExecutorConfig.builder(ns)
            .image(image)
            .dataClaim(dataClaim)
            .dataMountPath(dataMountPath)
            .serviceAccount(serviceAccount)
            .priorityClass(priorityClass)
            .kueueQueue(kueueQueue)
            .nodeSelector(map(nodeSelector, "--node-selector"))
            .tolerations(tolerations(tolerations))
            .gpuNodeSelector(map(gpuNodeSelector, "--gpu-node-selector"))
            .gpuTolerations(tolerations(gpuTolerations))
            .imagePullSecrets(list(imagePullSecrets));
    if (jobTtl != null) {
      b.ttlSecondsAfterFinished(jobTtl);
    }
    if (!blank(pollInterval)) {
      b.pollInterval(Durations.parse(pollInterval.trim()));
    }
    if (!blank(taskCommand)) {
      b.taskCommand(List.of(taskCommand.trim().split("\\s+")));
    }
    return b.build();
  }

  /** The namespace of the pod this process runs in, when it runs in one. */
  private static String podNamespace() {
    try {
      Path f = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
      return java.nio.file.Files.exists(f) ? java.nio.file.Files.readString(f).trim() : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static List<String> list(String s) {
    List<String> out = new ArrayList<>();
    if (!blank(s)) {
      for (String p : s.split(",")) {
        if (!p.isBlank()) {
          out.add(p.trim());
        }
      }
    }
    return out;
  }

  /** {@code k1=v1,k2=v2}. */
  static Map<String, String> map(String s, String option) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String p : list(s)) {
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new Platform.PlatformException(option + ": '" + p + "' is not KEY=VALUE", null);
      }
      out.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
    }
    return out;
  }

  /**
   * {@code key=value:Effect} (Equal), {@code key:Effect} or {@code key} (Exists), comma-separated.
   */
  static List<TolerationSpec> tolerations(String s) {
    List<TolerationSpec> out = new ArrayList<>();
    for (String p : list(s)) {
      String effect = null;
      int colon = p.lastIndexOf(':');
      if (colon > 0) {
        effect = p.substring(colon + 1).trim();
        p = p.substring(0, colon);
      }
      int eq = p.indexOf('=');
      out.add(
          eq > 0
              ? new TolerationSpec(
                  p.substring(0, eq).trim(), "Equal", p.substring(eq + 1).trim(), effect)
              : new TolerationSpec(p.trim(), "Exists", null, effect));
    }
    return out;
  }
}
