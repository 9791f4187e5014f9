package org.connectome.spec;

import java.util.List;
import java.util.Map;

/**
 * A facility's own program for a stage: in a container image on Kubernetes ({@code implementation:
 * container}), or as a process of the worker's machine on the local executor ({@code
 * implementation: command}). The command template, and each declared output, may use the
 * placeholders {@code {unitStart}}, {@code {unitEnd}}, {@code {stepDir}}, {@code {params.<name>}}
 * and, for block steps, {@code {bbox}}. The platform writes the task's units' completion markers
 * when the program exits 0 and every declared output exists.
 *
 * @param image container image; required for {@code container}, unused by {@code command}
 * @param command command template, one list element per argument
 * @param env extra environment variables
 * @param python for {@code command}: a pinned, hashed requirements file; the program runs in the
 *     Python environment {@code tools/pyenv} makes of it (its {@code bin} first on the PATH),
 *     relative paths resolved against the checkout; null for the worker's own environment
 * @param outputs what each task must leave behind (files or folders, relative to the run's folder
 *     unless absolute; a last name with {@code *} or {@code ?} is a glob whose matches, none or
 *     more, are recorded); empty when the program's exit code is all there is to check
 */
public record ContainerSpec(
    String image,
    List<String> command,
    Map<String, String> env,
    String python,
    List<String> outputs) {

  public ContainerSpec {
    outputs = outputs == null ? List.of() : List.copyOf(outputs);
  }

  /** A container without a local environment or declared outputs. */
  public ContainerSpec(String image, List<String> command, Map<String, String> env) {
    this(image, command, env, null, null);
  }
}
