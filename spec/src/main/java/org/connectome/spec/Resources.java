package org.connectome.spec;

/**
 * What one task needs, in Kubernetes quantity syntax.
 *
 * @param cpu CPU cores, for example {@code 2} or {@code 500m}
 * @param memory memory, for example {@code 4Gi}
 * @param gpu GPUs ({@code nvidia.com/gpu})
 */
public record Resources(String cpu, String memory, Integer gpu) {}
