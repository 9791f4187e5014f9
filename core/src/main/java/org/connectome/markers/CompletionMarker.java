package org.connectome.markers;

import java.time.Instant;
import java.util.List;
import org.connectome.files.OutputFile;

/**
 * The record that a unit is finished, written beside the unit's outputs after them, with the
 * provenance that says what produced them and the outputs themselves, so that a relaunch can tell a
 * finished unit from one whose files were deleted or cut short since.
 *
 * @param stage stage id
 * @param step step name
 * @param unit unit index
 * @param paramsHash hash of the step's parameters (and everything upstream); a marker is valid only
 *     for it
 * @param codeVersion version of the code or image that ran the unit
 * @param attempt attempt of the task that ran the unit, from 1
 * @param task task index
 * @param host host (or pod) that ran the unit
 * @param startedAt when the unit started
 * @param finishedAt when its outputs were complete
 * @param outputs the files the unit wrote, with sizes and checksums; null in markers written before
 *     outputs were recorded (nothing to check)
 */
public record CompletionMarker(
    String stage,
    String step,
    long unit,
    String paramsHash,
    String codeVersion,
    int attempt,
    long task,
    String host,
    Instant startedAt,
    Instant finishedAt,
    List<OutputFile> outputs) {

  /** A marker that records no outputs. */
  public CompletionMarker(
      String stage,
      String step,
      long unit,
      String paramsHash,
      String codeVersion,
      int attempt,
      long task,
      String host,
      Instant startedAt,
      Instant finishedAt) {
    this(
        stage,
        step,
        unit,
        paramsHash,
        codeVersion,
        attempt,
        task,
        host,
        startedAt,
        finishedAt,
        List.of());
  }
}
