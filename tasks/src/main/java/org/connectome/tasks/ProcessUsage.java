package org.connectome.tasks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Supplier;
import org.connectome.task.TaskUsage;

/**
 * Reads this process's CPU time and peak resident set size. Only a task that has its process to
 * itself (the child JVM or the container that {@link TaskMain#main} runs, or a reused task JVM
 * between two tasks) records them: in a shared process they would be the worker's.
 */
final class ProcessUsage {
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  private ProcessUsage() {}

  /**
   * CPU seconds so far, the peak RSS so far (a figure that cannot be read is -1) and the process's
   * JVM's start.
   */
  static TaskUsage ofThisProcess() {
    // the JVM's own start time, on the clock the task's report uses (the OS process start is only
    // as precise as the boot time's whole seconds)
    Instant jvmStart = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
    return new TaskUsage(cpuSeconds(), peakRssBytes(STATUS), jvmStart);
  }

  /**
   * The usage of one task in a process that runs several one after another ({@link TaskJvmMain}):
   * CPU seconds from now, the peak RSS from now (the kernel's high-water mark is reset, where it
   * can be, to the current RSS: what earlier tasks left in the heap counts, as it occupies the
   * machine), and now as the start (this task paid for no JVM start).
   */
  static Supplier<TaskUsage> fromNow() {
    Instant start = Instant.now();
    double cpu0 = cpuSeconds();
    try {
      Files.writeString(CLEAR_REFS, "5");
    } catch (IOException | RuntimeException e) {
      // not Linux, or not allowed: the peak is then the process's since it started
    }
    return () -> {
      double cpu = cpuSeconds();
      return new TaskUsage(cpu < 0 || cpu0 < 0 ? -1 : cpu - cpu0, peakRssBytes(STATUS), start);
    };
  }

  private static double cpuSeconds() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long nanos = os.getProcessCpuTime();
      return nanos < 0 ? -1 : nanos / 1e9;
    }
    return -1;
  }

  /** This process's resident set now ({@code VmRSS}), in bytes; -1 if it cannot be read. */
  static long rssBytes() {
    return statusField(STATUS, "VmRSS:");
  }

  /** {@code VmHWM} of a {@code /proc/<pid>/status} file, in bytes (the kernel writes kB). */
  static long peakRssBytes(Path status) {
    return statusField(status, "VmHWM:");
  }

  private static long statusField(Path status, String field) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(field)) {
          String[] f = line.substring(field.length()).trim().split("\\s+");
          return Long.parseLong(f[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or a format this reader does not know: the figure is unknown, the task goes on
    }
    return -1;
  }
}
