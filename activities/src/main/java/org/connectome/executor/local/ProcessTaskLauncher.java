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
import org.connectome.tasks.TaskJvmProtocol;

/**
 * Starts each task attempt as a child JVM running {@code org.connectome.tasks.TaskMain}, the same
 * entry point a task container runs. The child's stdin is a pipe this process never writes: if this
 * process dies, even by SIGKILL, the pipe closes and the child stops itself, so no orphan keeps
 * running units. The children share a class-data archive of their classes ({@link
 * TaskClassArchive}).
 *
 * <p>With {@code tasksPerJvm} above 1 a child JVM runs up to that many tasks one after another
 * ({@link TaskJvm}, {@code org.connectome.tasks.TaskJvmMain}): a task then pays for no JVM start,
 * class loading or JIT warm-up once its step's first task has, and the JIT's optimising tier pays
 * off (a JVM per task stops at the quick first tier). A JVM is reused only for tasks with the same
 * JVM options (heap size included) and only after a task that exited 0; one idle for {@value
 * #IDLE_MILLIS} ms exits.
 */
public final class ProcessTaskLauncher implements TaskLauncher {
  static final String MAIN = "org.connectome.tasks.TaskMain";

  /** How long an idle reusable task JVM waits for its next task. */
  static final long IDLE_MILLIS = 15_000;

  private final String javaBin;
  private final String classPath;
  private final List<String> javaOptions;
  private final TaskClassArchive archive;
  private final TaskJvmPool pool;

  /**
   * @param classPath class path of the child JVMs (the worker's own by default)
   * @param javaOptions extra JVM options
   * @param tasksPerJvm tasks one child JVM runs one after another (1: a JVM per task)
   */
  public ProcessTaskLauncher(String classPath, List<String> javaOptions, int tasksPerJvm) {
    this(classPath, javaOptions, tasksPerJvm, IDLE_MILLIS);
  }

  ProcessTaskLauncher(
      String classPath, List<String> javaOptions, int tasksPerJvm, long idleMillis) {
    this.javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.classPath = classPath;
    this.javaOptions = List.copyOf(javaOptions);
    this.archive = TaskClassArchive.of(classPath, System.getenv());
    this.pool = tasksPerJvm > 1 ? TaskJvmPool.withReaper(tasksPerJvm, idleMillis) : null;
  }

  /** A JVM per task. */
  public ProcessTaskLauncher(String classPath, List<String> javaOptions) {
    this(classPath, javaOptions, 1);
  }

  public static ProcessTaskLauncher withOwnClassPath(List<String> javaOptions, int tasksPerJvm) {
    return new ProcessTaskLauncher(System.getProperty("java.class.path"), javaOptions, tasksPerJvm);
  }

  public static ProcessTaskLauncher withOwnClassPath(List<String> javaOptions) {
    return withOwnClassPath(javaOptions, 1);
  }

  @Override
  public String name() {
    return "process";
  }

  List<String> command(TaskLaunch l) {
    return command(l, List.of());
  }

  List<String> command(TaskLaunch l, List<String> archiveOptions) {
    return command(l, archiveOptions, MAIN);
  }

  private List<String> command(TaskLaunch l, List<String> archiveOptions, String main) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBin);
    // Task JVMs are short-lived: start fast, small footprint, exit (code 3) instead of limping on
    // OOM. They stop at the quick tier of the JIT, reused or not: on the demo the optimising tier
    // compiled for longer than it saved (CPU of the whole run: 125 s reused with it, 106 s without,
    // 132 s with a JVM per task). javaOptions come later and may turn it back on.
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
    cmd.add(main);
    return cmd;
  }

  @Override
  public RunningTask launch(TaskLaunch l) throws IOException {
    if (pool != null) {
      return launchInReusedJvm(l);
    }
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
        Processes.stop(p, grace);
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

  private RunningTask launchInReusedJvm(TaskLaunch l) throws IOException {
    List<String> key = command(l, List.of(), TaskJvm.MAIN);
    TaskJvm jvm = pool.take(key);
    if (jvm == null) {
      TaskClassArchive.Use use = archive.next();
      try {
        jvm =
            TaskJvm.start(
                command(l, use.options(), TaskJvm.MAIN), key, code -> archive.ended(use, code));
      } catch (IOException e) {
        archive.ended(use, -1);
        throw e;
      }
    }
    TaskJvm j = jvm;
    long limitBytes = Quantities.bytes(l.resources().memory());
    java.util.concurrent.CompletableFuture<TaskJvmProtocol.Reply> exit =
        j.run(
            l.logFile(),
            Map.of(
                TaskEnv.STEP_DIR, l.stepDir().toString(),
                TaskEnv.TASKS, l.tasks(),
                TaskEnv.COMPLETION_INDEX, Long.toString(l.index()),
                TaskEnv.ATTEMPT, Integer.toString(l.attempt())));
    AtomicBoolean released = new AtomicBoolean();
    return new RunningTask() {
      @Override
      public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        java.util.Optional<TaskJvmProtocol.Reply> reply = TaskJvm.await(exit, timeout);
        if (reply.isEmpty()) {
          return OptionalInt.empty();
        }
        if (released.compareAndSet(false, true)) {
          pool.release(j, reply.get().exitCode(), reply.get().residentBytes(), limitBytes);
        }
        return OptionalInt.of(reply.get().exitCode());
      }

      @Override
      public void stop(Duration grace) {
        // the task cannot be stopped alone: its JVM goes with it
        released.set(true);
        j.kill(grace);
      }

      @Override
      public long pid() {
        return j.process().pid();
      }
    };
  }
}
