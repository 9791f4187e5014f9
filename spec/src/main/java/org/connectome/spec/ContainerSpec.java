package org.connectome.spec;

import java.util.List;
import java.util.Map;

/**
 * A facility's own container for a stage. The command template may use the placeholders {@code
 * {unitStart}}, {@code {unitEnd}}, {@code {stepDir}}, {@code {params.<name>}} and, for block steps,
 * {@code {bbox}}.
 *
 * @param image container image
 * @param command command template, one list element per argument
 * @param env extra environment variables
 */
public record ContainerSpec(String image, List<String> command, Map<String, String> env) {}
