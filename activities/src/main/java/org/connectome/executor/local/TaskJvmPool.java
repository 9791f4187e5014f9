package org.connectome.executor.local;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The idle task JVMs of a launcher, each kept for tasks of the same JVM options (heap size
 * included). A JVM goes back to the pool only after a task that ended normally, while it has served
 * fewer than {@code tasksPerJvm} tasks and while its resident set is within its tasks' memory; one
 * idle longer than {@code idleMillis} is retired, so a finished step's heaps do not stay resident.
 */
final class TaskJvmPool {
  private final int tasksPerJvm;
  private final long idleMillis;
  private final LongSupplier clock;
  private final List<TaskJvm> idle = new ArrayList<>();

  TaskJvmPool(int tasksPerJvm, long idleMillis, LongSupplier clock) {
    this.tasksPerJvm = tasksPerJvm;
    this.idleMillis = idleMillis;
    this.clock = clock;
  }

  /** A pool that retires its idle JVMs on a daemon thread of its own. */
  static TaskJvmPool withReaper(int tasksPerJvm, long idleMillis) {
    TaskJvmPool pool = new TaskJvmPool(tasksPerJvm, idleMillis, System::currentTimeMillis);
    ScheduledExecutorService reaper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "task-jvm-reaper");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(100, idleMillis / 4);
    reaper.scheduleWithFixedDelay(pool::retireIdle, period, period, TimeUnit.MILLISECONDS);
    return pool;
  }

  /** An idle JVM for tasks of {@code key}, or null: the caller starts one. */
  synchronized TaskJvm take(List<String> key) {
    for (Iterator<TaskJvm> it = idle.iterator(); it.hasNext(); ) {
      TaskJvm j = it.next();
      if (!j.alive()) {
        it.remove();
      } else if (j.key().equals(key)) {
        it.remove();
        return j;
      }
    }
    return null;
  }

  /**
   * A task of {@code jvm} ended with {@code exitCode}, leaving the JVM at {@code residentBytes}
   * (-1: unknown): keep the JVM for the next task or retire it. One that stays larger than the
   * memory its task was given ({@code limitBytes}) is retired: a library's native memory (ONNX
   * Runtime's arena) outlives the task that used it, and the next task would be charged for it.
   */
  synchronized void release(TaskJvm jvm, int exitCode, long residentBytes, long limitBytes) {
    boolean small = residentBytes < 0 || residentBytes <= limitBytes;
    if (exitCode == 0 && small && jvm.alive() && jvm.served() < tasksPerJvm) {
      jvm.markIdle(clock.getAsLong());
      idle.add(jvm);
    } else if (jvm.alive()) {
      jvm.retire();
    }
  }

  /** Retires every JVM idle for longer than the pool keeps them. */
  synchronized void retireIdle() {
    long now = clock.getAsLong();
    for (Iterator<TaskJvm> it = idle.iterator(); it.hasNext(); ) {
      TaskJvm j = it.next();
      if (!j.alive() || now - j.idleSince() > idleMillis) {
        it.remove();
        j.retire();
      }
    }
  }
}
