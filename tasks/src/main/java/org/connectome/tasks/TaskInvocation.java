package org.connectome.tasks;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.task.TaskEnv;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;

/**
 * Which task to run, as the launcher described it: the step folder, the shard's task list and this
 * process's index in it (Kubernetes' {@code JOB_COMPLETION_INDEX}), the attempt.
 *
 * @param stepDir the step's folder
 * @param task the task index within the step
 * @param attempt attempt, from 1
 * @param host host or pod name
 */
public record TaskInvocation(Path stepDir, long task, int attempt, String host) {

  /**
   * Reads the invocation from environment variables (see {@link TaskEnv}) and command-line
   * overrides.
   */
  public static TaskInvocation from(Map<String, String> env, String[] args)
      throws BadDefinitionException {
    String stepDir = env.get(TaskEnv.STEP_DIR);
    String tasks = env.get(TaskEnv.TASKS);
    String index = env.get(TaskEnv.COMPLETION_INDEX);
    String attempt = env.getOrDefault(TaskEnv.ATTEMPT, "1");
    String task = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--step-dir" -> stepDir = args[i + 1];
        case "--tasks" -> tasks = args[i + 1];
        case "--index" -> index = args[i + 1];
        case "--task" -> task = args[i + 1];
        case "--attempt" -> attempt = args[i + 1];
        default ->
            throw new BadDefinitionException(
                "unknown argument '"
                    + args[i]
                    + "' (expected --step-dir, --tasks, --index, --task, --attempt)");
      }
    }
    if (stepDir == null) {
      throw new BadDefinitionException(TaskEnv.STEP_DIR + " (or --step-dir) is not set");
    }
    long taskIndex;
    try {
      if (task != null) {
        taskIndex = Long.parseLong(task);
      } else {
        if (tasks == null || index == null) {
          throw new BadDefinitionException(
              "set " + TaskEnv.TASKS + " and " + TaskEnv.COMPLETION_INDEX + " (or --task N)");
        }
        List<UnitRange> list = Ranges.normalize(Ranges.parse(tasks));
        long k = Long.parseLong(index);
        if (k < 0 || k >= Ranges.count(list)) {
          throw new BadDefinitionException(
              TaskEnv.COMPLETION_INDEX
                  + "="
                  + k
                  + " but "
                  + TaskEnv.TASKS
                  + "="
                  + tasks
                  + " holds "
                  + Ranges.count(list)
                  + " tasks");
        }
        taskIndex = Ranges.nth(list, k);
      }
      String host = env.getOrDefault(TaskEnv.HOST, env.getOrDefault("HOSTNAME", "localhost"));
      return new TaskInvocation(Path.of(stepDir), taskIndex, Integer.parseInt(attempt), host);
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException("bad task arguments: " + e.getMessage(), e);
    }
  }
}
