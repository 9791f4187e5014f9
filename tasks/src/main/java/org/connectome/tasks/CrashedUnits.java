package org.connectome.tasks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.connectome.layout.StepLayout;

/**
 * Units that took their task's process down with them (heap exhausted with {@code
 * -XX:+ExitOnOutOfMemoryError}, the kernel's OOM killer, a native crash), so that one such unit
 * does not block the units after it in its task: every retry would start at it again and die there.
 *
 * <p>Before each unit the task notes it in {@code reports/task-<n>.running} (one positioned write
 * to a file it keeps open: the page cache keeps it when the process dies), and removes the note
 * when the attempt ends. A note found when an attempt starts names the unit the last process died
 * in; it is added to {@code reports/task-<n>.crashed} ({@code unit TAB count} lines), and the task
 * runs its crashed units after all the others, so they are retried alone, up to the task's retry
 * policy, and then reported failed with the cause the executor saw.
 */
public final class CrashedUnits {
  private final Path running;
  private final Path crashed;
  private final Map<Long, Integer> counts = new LinkedHashMap<>();
  private FileChannel note;

  private CrashedUnits(Path running, Path crashed) {
    this.running = running;
    this.crashed = crashed;
  }

  /** The note of the unit running now. */
  public static Path runningFile(StepLayout layout, long task) {
    return layout.reportsDir().resolve("task-" + task + ".running");
  }

  /** The units that crashed the task, with how many times. */
  public static Path crashedFile(StepLayout layout, long task) {
    return layout.reportsDir().resolve("task-" + task + ".crashed");
  }

  /**
   * Reads the task's crashed units, adding the unit an earlier process died in.
   *
   * @return the units, or an empty record when none crashed
   */
  static CrashedUnits load(StepLayout layout, long task) throws IOException {
    CrashedUnits c = new CrashedUnits(runningFile(layout, task), crashedFile(layout, task));
    c.counts.putAll(read(c.crashed));
    Long died = readRunning(c.running);
    if (died != null) {
      c.counts.merge(died, 1, Integer::sum);
      c.save();
      Files.deleteIfExists(c.running);
    }
    return c;
  }

  /** The units of {@code crashedFile} with their counts, for reports. */
  public static Map<Long, Integer> read(Path crashedFile) throws IOException {
    Map<Long, Integer> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(crashedFile, StandardCharsets.UTF_8)) {
        String[] f = line.split("\t");
        if (f.length == 2) {
          try {
            out.put(Long.parseLong(f[0]), Integer.parseInt(f[1]));
          } catch (NumberFormatException e) {
            // a torn line from a crash while saving: the unit is noted again on its next crash
          }
        }
      }
    } catch (NoSuchFileException e) {
      // none crashed
    }
    return out;
  }

  /** The unit noted as running in {@code runningFile}, or null. */
  public static Long readRunning(Path runningFile) throws IOException {
    try {
      String s = Files.readString(runningFile, StandardCharsets.UTF_8).strip();
      return s.isEmpty() ? null : Long.parseLong(s);
    } catch (NoSuchFileException | NumberFormatException e) {
      return null;
    }
  }

  boolean crashed(long unit) {
    return counts.containsKey(unit);
  }

  int count(long unit) {
    return counts.getOrDefault(unit, 0);
  }

  boolean isEmpty() {
    return counts.isEmpty();
  }

  /** Notes that {@code unit} runs now; a process dying meanwhile leaves the note behind. */
  void starting(long unit) throws IOException {
    if (note == null) {
      Files.createDirectories(running.getParent());
      note = FileChannel.open(running, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
    // one positioned write of a fixed width per unit: no open, close or sync on the unit's path
    byte[] b = String.format("%-20d%n", unit).getBytes(StandardCharsets.US_ASCII);
    note.write(ByteBuffer.wrap(b), 0);
  }

  /** The attempt ended with the process alive: no unit took it down. */
  void ended() throws IOException {
    if (note != null) {
      note.close();
      note = null;
    }
    Files.deleteIfExists(running);
  }

  private void save() throws IOException {
    StringBuilder b = new StringBuilder();
    counts.forEach((u, n) -> b.append(u).append('\t').append(n).append('\n'));
    Files.createDirectories(crashed.getParent());
    Files.writeString(crashed, b.toString(), StandardCharsets.UTF_8);
  }
}
