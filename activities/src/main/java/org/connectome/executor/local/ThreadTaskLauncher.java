package org.connectome.executor.local;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.connectome.task.TaskEnv;
import org.connectome.task.TaskExitCodes;
import org.connectome.tasks.TaskMain;
import org.connectome.tasks.UnitRunnerFactory;
import org.connectome.tasks.UnitRunners;

/**
 * Runs each task attempt on a thread of this JVM, through the same {@code TaskMain} code a process
 * runs. No JVM start per task, so tests and benchmarks can push hundreds of thousands of units
 * through the orchestrator; but a task cannot be isolated or killed hard, so production runs use
 * {@link ProcessTaskLauncher}.
 */
public final class ThreadTaskLauncher implements TaskLauncher {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final UnitRunnerFactory runners;

  /**
   * Runs the units with {@code runners}: stage code that must live in the worker (ingest with the
   * catalog).
   */
  public ThreadTaskLauncher(UnitRunnerFactory runners) {
    this.runners = runners;
  }

  public ThreadTaskLauncher() {
    this(UnitRunners::create);
  }

  @Override
  public String name() {
    return "thread";
  }

  @Override
  public RunningTask launch(TaskLaunch l) throws IOException {
    Files.createDirectories(l.logFile().getParent());
    PrintStream log =
        new PrintStream(
            new FileOutputStream(l.logFile().toFile(), true), true, StandardCharsets.UTF_8);
    Map<String, String> env =
        Map.of(
            TaskEnv.STEP_DIR, l.stepDir().toString(),
            TaskEnv.TASKS, l.tasks(),
            TaskEnv.COMPLETION_INDEX, Long.toString(l.index()),
            TaskEnv.ATTEMPT, Integer.toString(l.attempt()),
            TaskEnv.HOST, "localhost");
    AtomicInteger exit = new AtomicInteger(-1);
    Thread t =
        new Thread(
            () -> {
              try {
                exit.set(TaskMain.run(env, new String[0], log, runners));
              } catch (RuntimeException | Error e) {
                e.printStackTrace(log);
                exit.set(TaskExitCodes.CRASHED);
              } finally {
                log.close();
              }
            },
            "task-" + l.task() + "-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    t.start();
    return new RunningTask() {
      @Override
      public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        t.join(Math.max(1, timeout.toMillis()));
        return t.isAlive() ? OptionalInt.empty() : OptionalInt.of(exit.get());
      }

      @Override
      public void stop(Duration grace) {
        t.interrupt();
        try {
          t.join(grace.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public long pid() {
        return -1;
      }
    };
  }
}
