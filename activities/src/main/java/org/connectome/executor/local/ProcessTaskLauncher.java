package org.connectome.executor.local;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.connectome.spec.Quantities;
import org.connectome.task.TaskEnv;

/**
 * Starts each task attempt as a child JVM running {@code org.connectome.tasks.TaskMain}, the same
 * entry point a task container runs. The child's stdin is a pipe this process never writes: if this
 * process dies, even by SIGKILL, the pipe closes and the child stops itself, so no orphan keeps
 * running units. The children share a class-data archive of their classes ({@link
 * TaskClassArchive}).
 */
public final class ProcessTaskLauncher implements TaskLauncher {
  static final String MAIN = "org.connectome.tasks.TaskMain";

  private final String javaBin;
  private final String classPath;
  private final List<String> javaOptions;
  private final TaskClassArchive archive;

  /**
   * @param classPath class path of the child JVMs (the worker's own by default)
   * @param javaOptions extra JVM options
   */
  public ProcessTaskLauncher(String classPath, List<String> javaOptions) {
    this.javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.classPath = classPath;
    this.javaOptions = List.copyOf(javaOptions);
    this.archive = TaskClassArchive.of(classPath, System.getenv());
  }

  public static ProcessTaskLauncher withOwnClassPath(List<String> javaOptions) {
    return new ProcessTaskLauncher(System.getProperty("java.class.path"), javaOptions);
  }

  @Override
  public String name() {
    return "process";
  }

  List<String> command(TaskLaunch l) {
    return command(l, List.of());
  }

  List<String> command(TaskLaunch l, List<String> archiveOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBin);
    // Task JVMs are short-lived: start fast, small footprint, exit (code 3) instead of limping on
    // OOM.
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Xshare:auto");
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    long bytes = Quantities.bytes(l.resources().memory());
    cmd.add("-Xmx" + Math.max(64, bytes * 3 / 4 / (1024 * 1024)) + "m");
    cmd.addAll(archiveOptions);
    cmd.addAll(javaOptions);
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add(MAIN);
    return cmd;
  }

  @Override
  public RunningTask launch(TaskLaunch l) throws IOException {
    Files.createDirectories(l.logFile().getParent());
    TaskClassArchive.Use use = archive.next();
    ProcessBuilder pb = new ProcessBuilder(command(l, use.options()));
    Map<String, String> env = pb.environment();
    env.put(TaskEnv.STEP_DIR, l.stepDir().toString());
    env.put(TaskEnv.TASKS, l.tasks());
    env.put(TaskEnv.COMPLETION_INDEX, Long.toString(l.index()));
    env.put(TaskEnv.ATTEMPT, Integer.toString(l.attempt()));
    env.put(TaskEnv.PARENT_WATCHDOG, "stdin");
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(new File(l.logFile().toString())));
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      archive.ended(use, -1);
      throw e;
    }
    AtomicBoolean ended = new AtomicBoolean();
    return new RunningTask() {
      @Override
      public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          return OptionalInt.empty();
        }
        if (ended.compareAndSet(false, true)) {
          archive.ended(use, p.exitValue());
        }
        return OptionalInt.of(p.exitValue());
      }

      @Override
      public void stop(Duration grace) {
        p.destroy();
        try {
          if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
          }
        } catch (InterruptedException e) {
          p.destroyForcibly();
          Thread.currentThread().interrupt();
        }
        // after the process is gone: a stopped JVM may still write its dump as it exits
        if (ended.compareAndSet(false, true)) {
          archive.ended(use, -1);
        }
      }

      @Override
      public long pid() {
        return p.pid();
      }
    };
  }
}
