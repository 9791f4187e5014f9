package org.connectome.spec;

/**
 * Where a run's tasks execute.
 *
 * @param type {@code local} (processes or threads on this machine) or {@code kubernetes} (Indexed
 *     Jobs)
 * @param local settings of the local executor
 * @param kubernetes settings of the Kubernetes executor
 */
public record ExecutorSpec(
    String type, LocalExecutorSpec local, KubernetesExecutorSpec kubernetes) {
  public static final String LOCAL = "local";
  public static final String KUBERNETES = "kubernetes";
}
