package org.connectome.tasks;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import org.connectome.task.TaskEnv;
import org.connectome.task.TaskExitCodes;
import org.connectome.task.TaskUsage;

/**
 * The entry point of a task process: what the local executor starts as a child JVM and what a
 * Kubernetes Indexed Job's container runs. Reads {@link TaskEnv} variables, runs the task, exits
 * with a {@link TaskExitCodes} code.
 */
public final class TaskMain {
  private TaskMain() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    if ("stdin".equals(env.get(TaskEnv.PARENT_WATCHDOG))) {
      startParentWatchdog(System.in);
    }
    // the process is this task's own: its CPU time and peak RSS are the task's
    System.exit(run(env, args, System.out, UnitRunners::create, ProcessUsage::ofThisProcess));
  }

  /**
   * Runs a task, logging to {@code log}, and returns its exit code; used in-process by the thread
   * launcher.
   */
  public static int run(Map<String, String> env, String[] args, PrintStream log) {
    return run(env, args, log, UnitRunners::create);
  }

  /** As {@link #run(Map, String[], PrintStream)}, with the step's units run by {@code runners}. */
  public static int run(
      Map<String, String> env, String[] args, PrintStream log, UnitRunnerFactory runners) {
    return run(env, args, log, runners, () -> null);
  }

  /**
   * As {@link #run(Map, String[], PrintStream, UnitRunnerFactory)}, recording in the task's report
   * the CPU time and peak RSS that {@code usage} gives when the task ends (null: not recorded).
   */
  public static int run(
      Map<String, String> env,
      String[] args,
      PrintStream log,
      UnitRunnerFactory runners,
      Supplier<TaskUsage> usage) {
    TaskInvocation inv;
    try {
      inv = TaskInvocation.from(env, args);
    } catch (BadDefinitionException e) {
      log.println(e.getMessage());
      return TaskExitCodes.BAD_DEFINITION;
    }
    try {
      return new TaskRunner(Clock.systemUTC(), log, runners, usage).run(inv).exitCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.println("task " + inv.task() + " stopped: " + e.getMessage());
      return TaskExitCodes.ORPHANED;
    }
  }

  /**
   * Stops the process when its standard input closes. The local executor keeps a pipe to each
   * task's stdin and never writes to it; if the worker dies (even by SIGKILL) the pipe closes and
   * the task stops at once, so no orphan goes on running units that a resumed run would run again.
   */
  static void startParentWatchdog(InputStream in) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[64];
              try {
                while (in.read(buf) >= 0) {
                  // the launcher never writes; anything read is ignored
                }
              } catch (IOException e) {
                // a broken pipe means the same as end of input
              }
              System.out.println("the launching process is gone: stopping");
              System.out.flush();
              Runtime.getRuntime().halt(TaskExitCodes.ORPHANED);
            },
            "parent-watchdog");
    t.setDaemon(true);
    t.start();
  }
}
