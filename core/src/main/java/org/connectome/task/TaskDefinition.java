package org.connectome.task;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.connectome.files.AtomicFile;
import org.connectome.pipeline.Json;
import org.connectome.pipeline.StepPlan;
import org.connectome.spec.ContainerSpec;
import org.connectome.spec.VoxelSize;

/**
 * What a task needs to run its units, written once per step execution to the step's {@code
 * step.json} by the planning activity and read by every task. Small: it holds the plan's geometry,
 * never a list of units.
 *
 * @param runId {@code sample/run}
 * @param stage stage id
 * @param step step name
 * @param implementation synthetic, reference or container
 * @param params the step's parameters
 * @param paramsHash the parameters hash markers are written under
 * @param codeVersion version of the orchestrator that planned the step
 * @param plan the unit space and grouping
 * @param runDir the run's folder
 * @param acquisition the acquisition folder, or null
 * @param container image and command of container steps, or null
 * @param voxelSize the spec's voxel size in nanometres (the resolution of every volume written), or
 *     null
 */
public record TaskDefinition(
    String runId,
    String stage,
    String step,
    String implementation,
    Map<String, Object> params,
    String paramsHash,
    String codeVersion,
    StepPlan plan,
    String runDir,
    String acquisition,
    ContainerSpec container,
    VoxelSize voxelSize) {

  /** A definition without a voxel size (steps that write no volume). */
  public TaskDefinition(
      String runId,
      String stage,
      String step,
      String implementation,
      Map<String, Object> params,
      String paramsHash,
      String codeVersion,
      StepPlan plan,
      String runDir,
      String acquisition,
      ContainerSpec container) {
    this(
        runId,
        stage,
        step,
        implementation,
        params,
        paramsHash,
        codeVersion,
        plan,
        runDir,
        acquisition,
        container,
        null);
  }

  public static TaskDefinition read(Path file) throws IOException {
    return Json.mapper().readValue(file.toFile(), TaskDefinition.class);
  }

  /**
   * Writes atomically: a task starting meanwhile reads the old definition or the new one, never
   * half.
   */
  public void write(Path file) throws IOException {
    AtomicFile.write(file, Json.bytes(this), false);
  }
}
