package org.connectome.spec;

import java.util.List;
import java.util.Map;

/**
 * Where a stage's pods run on Kubernetes (segmentation on the GPU node pool, for example). Merged
 * over the executor's own settings.
 *
 * @param nodeSelector node labels the pods require
 * @param tolerations taints the pods tolerate
 * @param priorityClass priority class of the pods
 */
public record KubernetesStageSpec(
    Map<String, String> nodeSelector, List<TolerationSpec> tolerations, String priorityClass) {
  public KubernetesStageSpec {
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
  }
}
