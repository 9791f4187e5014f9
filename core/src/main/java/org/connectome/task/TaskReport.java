package org.connectome.task;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.connectome.files.AtomicFile;
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
 * @param usage CPU time and peak RSS of the task's process; null where the task shared its process
 *     with others (in-process launcher) or in reports written before it was recorded
 */
public record TaskReport(
    long task,
    int attempt,
    long unitsExecuted,
    long unitsSkipped,
    long unitsFailed,
    List<UnitFailure> failures,
    Instant startedAt,
    Instant finishedAt,
    TaskUsage usage) {

  public TaskReport {
    failures = failures == null ? List.of() : List.copyOf(failures);
  }

  /** Writes the report atomically (temporary file and rename). */
  public void write(Path file) throws IOException {
    AtomicFile.write(file, Json.bytes(this), false);
  }

  public static TaskReport read(Path file) throws IOException {
    return Json.mapper().readValue(file.toFile(), TaskReport.class);
  }
}
