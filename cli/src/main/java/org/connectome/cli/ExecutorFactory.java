package org.connectome.cli;

import java.util.List;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.local.LocalExecutor;
import org.connectome.executor.local.ProcessTaskLauncher;
import org.connectome.executor.local.TaskLauncher;
import org.connectome.executor.local.ThreadTaskLauncher;
import org.connectome.spec.ExecutorSpec;
import org.connectome.spec.LocalExecutorSpec;

/** Builds the executor a run's spec (or a worker's options) asks for. */
final class ExecutorFactory {
  private ExecutorFactory() {}

  static StageExecutor create(ExecutorSpec spec, Integer maxTasksOverride) {
    String type = spec == null || spec.type() == null ? ExecutorSpec.LOCAL : spec.type();
    if (ExecutorSpec.KUBERNETES.equals(type)) {
      throw new Platform.PlatformException("executor.type 'kubernetes' needs the Kubernetes executor, which this "
          + "build does not include yet; use executor.type: local", null);
    }
    LocalExecutorSpec local = spec == null || spec.local() == null ? new LocalExecutorSpec(null, null, null)
        : spec.local();
    int max = maxTasksOverride != null ? maxTasksOverride
        : local.maxConcurrentTasks() != null ? local.maxConcurrentTasks() : Runtime.getRuntime().availableProcessors();
    TaskLauncher launcher = LocalExecutorSpec.THREAD.equals(local.launcher()) ? new ThreadTaskLauncher()
        : ProcessTaskLauncher.withOwnClassPath(local.javaOptions() == null ? List.of() : local.javaOptions());
    return new LocalExecutor(launcher, max);
  }
}
