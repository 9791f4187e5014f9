package org.connectome.spec;

import java.util.List;

/**
 * Settings of the local executor.
 *
 * @param maxConcurrentTasks tasks running at once on this machine, over all shards and steps
 *     (default: cores)
 * @param launcher {@code process} (a child JVM per task, the same entry point a container runs; the
 *     default) or {@code thread} (in the worker's JVM; for tests and benchmarks)
 * @param javaOptions extra JVM options for child task processes
 */
public record LocalExecutorSpec(
    Integer maxConcurrentTasks, String launcher, List<String> javaOptions) {
  public static final String PROCESS = "process";
  public static final String THREAD = "thread";
}
