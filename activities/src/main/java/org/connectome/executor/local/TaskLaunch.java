package org.connectome.executor.local;

import java.nio.file.Path;
import org.connectome.spec.Resources;

/**
 * One task attempt to start.
 *
 * @param stepDir the step's folder
 * @param tasks the shard's task list, as the {@code CX_TASKS} variable carries it
 * @param index this task's position in that list ({@code JOB_COMPLETION_INDEX})
 * @param task the task index (for logs)
 * @param attempt attempt, from 1
 * @param resources what the task needs
 * @param logFile where the task's output goes (appended)
 */
public record TaskLaunch(
    Path stepDir,
    String tasks,
    long index,
    long task,
    int attempt,
    Resources resources,
    Path logFile) {}
