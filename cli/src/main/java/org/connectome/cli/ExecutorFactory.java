package org.connectome.cli;

import java.io.IOException;
import java.util.List;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.k8s.KubernetesExecutor;
import org.connectome.executor.k8s.KubernetesExecutorConfig;
import org.connectome.executor.local.LocalExecutor;
import org.connectome.executor.local.ProcessTaskLauncher;
import org.connectome.executor.local.TaskLauncher;
import org.connectome.executor.local.ThreadTaskLauncher;
import org.connectome.spec.ExecutorSpec;
import org.connectome.spec.KubernetesExecutorSpec;
import org.connectome.spec.LocalExecutorSpec;

/** Builds the executor a run's spec (or a worker's options) asks for. */
final class ExecutorFactory {
  private ExecutorFactory() {}

  static StageExecutor create(ExecutorSpec spec, Integer maxTasksOverride) {
    String type = spec == null || spec.type() == null ? ExecutorSpec.LOCAL : spec.type();
    if (ExecutorSpec.KUBERNETES.equals(type)) {
      KubernetesExecutorSpec k = spec.kubernetes();
      if (k == null || k.namespace() == null) {
        throw new Platform.PlatformException(
            "executor.type 'kubernetes' needs executor.kubernetes.namespace", null);
      }
      // the run's settings over the defaults of the environment (CX_TASK_IMAGE, CX_DATA_CLAIM, ...
      // as a worker has)
      return kubernetes(
          KubernetesOptions.fromEnvironment().config(k.namespace()).withRunSettings(k));
    }
    LocalExecutorSpec local =
        spec == null || spec.local() == null
            ? new LocalExecutorSpec(null, null, null)
            : spec.local();
    int max =
        maxTasksOverride != null
            ? maxTasksOverride
            : local.maxConcurrentTasks() != null
                ? local.maxConcurrentTasks()
                : Runtime.getRuntime().availableProcessors();
    TaskLauncher launcher =
        LocalExecutorSpec.THREAD.equals(local.launcher())
            ? new ThreadTaskLauncher()
            : ProcessTaskLauncher.withOwnClassPath(
                local.javaOptions() == null ? List.of() : local.javaOptions(),
                local.tasksPerJvmOrDefault());
    return new LocalExecutor(launcher, max);
  }

  /**
   * The Kubernetes executor with the API client of this environment: the pod's service account
   * inside a cluster, else {@code $KUBECONFIG} or {@code ~/.kube/config}.
   */
  static StageExecutor kubernetes(KubernetesExecutorConfig config) {
    try {
      return new KubernetesExecutor(KubernetesExecutor.defaultClient(), config);
    } catch (IOException | RuntimeException e) {
      throw new Platform.PlatformException(
          "cannot set up the Kubernetes API client (no in-cluster service account "
              + "and no usable kubeconfig): "
              + e.getMessage(),
          e);
    }
  }
}
