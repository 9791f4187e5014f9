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
 * @param tasksPerJvm with the process launcher, tasks one child JVM runs one after another before
 *     it exits (default {@value #DEFAULT_TASKS_PER_JVM}; 1: a fresh JVM for every task)
 */
public record LocalExecutorSpec(
    Integer maxConcurrentTasks, String launcher, List<String> javaOptions, Integer tasksPerJvm) {
  public static final String PROCESS = "process";
  public static final String THREAD = "thread";
  public static final int DEFAULT_TASKS_PER_JVM = 16;

  public LocalExecutorSpec(Integer maxConcurrentTasks, String launcher, List<String> javaOptions) {
    this(maxConcurrentTasks, launcher, javaOptions, null);
  }

  /** {@link #tasksPerJvm}, or its default. */
  public int tasksPerJvmOrDefault() {
    return tasksPerJvm == null ? DEFAULT_TASKS_PER_JVM : tasksPerJvm;
  }
}
