package org.connectome.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.connectome.pipeline.Json;

/**
 * What one task attempt did, written by the task to {@code reports/task-<n>.json} before it exits,
 * so that the executor learns which units failed and why without parsing logs.
 *
 * @param task task index
 * @param attempt attempt, from 1
 * @param unitsExecuted units run and completed by this attempt
 * @param unitsSkipped units that already had a valid marker
 * @param unitsFailed units that failed in this attempt
 * @param failures the failed units with their errors
 * @param startedAt start of the attempt
 * @param finishedAt end of the attempt
 */
public record TaskReport(
    long task,
    int attempt,
    long unitsExecuted,
    long unitsSkipped,
    long unitsFailed,
    List<UnitFailure> failures,
    Instant startedAt,
    Instant finishedAt) {
  /**
   * Readable by all, as files written in place are: the worker and the task containers that read it
   * may run as different users (createTempFile alone makes it the owner's only).
   */
  private static final FileAttribute<Set<PosixFilePermission>> READABLE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

  public TaskReport {
    failures = failures == null ? List.of() : List.copyOf(failures);
  }

  /** Writes the report atomically (temporary file and rename). */
  public void write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), ".report", ".tmp", READABLE);
    Files.write(tmp, Json.bytes(this));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  public static TaskReport read(Path file) throws IOException {
    return Json.mapper().readValue(file.toFile(), TaskReport.class);
  }
}
