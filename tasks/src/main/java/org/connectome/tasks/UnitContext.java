package org.connectome.tasks;

import java.nio.file.Path;
import org.connectome.files.UnitOutputs;
import org.connectome.layout.StepLayout;
import org.connectome.task.TaskDefinition;

/**
 * One unit to run.
 *
 * @param definition the step's definition
 * @param layout the step's folder
 * @param unit unit index
 * @param task task index
 * @param attempt attempt of the task, from 1
 * @param outputs the files the unit writes, for its completion marker: whatever the unit writes
 *     through {@link org.connectome.files.AtomicFile} is recorded there by itself; declare files
 *     written otherwise with {@link #output}
 */
public record UnitContext(
    TaskDefinition definition,
    StepLayout layout,
    long unit,
    long task,
    int attempt,
    UnitOutputs outputs) {

  public UnitContext(
      TaskDefinition definition, StepLayout layout, long unit, long task, int attempt) {
    this(definition, layout, unit, task, attempt, new UnitOutputs());
  }

  /**
   * Declares that the unit wrote {@code file} (complete, before the unit returns): its marker
   * records its size and checksum, and a relaunch runs the unit again if the file is gone or cut
   * short.
   */
  public void output(Path file) {
    outputs.add(file);
  }
}
