package org.connectome.spec;

/**
 * A Kubernetes toleration.
 *
 * @param key taint key, for example {@code nvidia.com/gpu}
 * @param operator {@code Equal} or {@code Exists}
 * @param value taint value for {@code Equal}
 * @param effect {@code NoSchedule}, {@code PreferNoSchedule} or {@code NoExecute}; empty for all
 */
public record TolerationSpec(String key, String operator, String value, String effect) {}
