package org.connectome.cli;

import org.connectome.executor.StageExecutor;
import org.connectome.spec.ExecutorSpec;
import org.connectome.spec.LocalExecutorSpec;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where a worker's tasks run: on this machine (the local executor) or as Kubernetes Jobs. */
final class ExecutorOptions {
  @Option(
      names = "--executor",
      defaultValue = "${env:CX_EXECUTOR:-local}",
      description =
          "Where tasks run: local (child processes or threads on this machine; default) or kubernetes "
              + "(one Indexed Job per shard). Env CX_EXECUTOR.")
  String executor;

  @Option(
      names = "--max-concurrent-tasks",
      description = "Tasks running at once on this machine (default: cores).")
  Integer maxConcurrentTasks;

  @Option(
      names = "--launcher",
      defaultValue = "process",
      description = "How tasks run: process (a child JVM each; default) or thread.")
  String launcher;

  @Mixin KubernetesOptions kubernetes;

  StageExecutor create() {
    if (ExecutorSpec.KUBERNETES.equals(executor)) {
      return ExecutorFactory.kubernetes(kubernetes.config(null));
    }
    if (!ExecutorSpec.LOCAL.equals(executor)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--executor must be local or kubernetes, not '" + executor + "'");
    }
    return ExecutorFactory.create(
        new ExecutorSpec(
            ExecutorSpec.LOCAL, new LocalExecutorSpec(maxConcurrentTasks, launcher, null), null),
        null);
  }
}
