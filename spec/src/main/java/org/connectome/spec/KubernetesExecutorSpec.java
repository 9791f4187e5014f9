package org.connectome.spec;

import java.util.Map;

/**
 * Settings of the Kubernetes executor (Indexed Jobs).
 *
 * @param namespace namespace the Jobs are created in
 * @param image default task image; a stage's {@link ContainerSpec#image()} overrides it
 * @param serviceAccount service account of the task pods
 * @param dataVolumeClaim PersistentVolumeClaim holding the data root, mounted at the same path in
 *     pods
 * @param ttlSecondsAfterFinished how long finished Jobs are kept
 * @param priorityClass priority class of the task pods
 * @param kueueQueue Kueue LocalQueue name; when set, Jobs are created suspended for Kueue to admit
 * @param nodeSelector node selector of the task pods
 */
public record KubernetesExecutorSpec(
    String namespace,
    String image,
    String serviceAccount,
    String dataVolumeClaim,
    Integer ttlSecondsAfterFinished,
    String priorityClass,
    String kueueQueue,
    Map<String, String> nodeSelector) {}
