package org.connectome.spec;

import java.util.List;

/**
 * One sample run, as written in a run specification YAML file.
 *
 * <p>Nullable fields inherit: a step setting falls back to its stage, the stage to {@link
 * #defaults()}, and those to the built-in defaults of {@code org.connectome.pipeline.StepConfig}.
 * Paths are absolute once the spec has been loaded by {@link RunSpecLoader}: relative paths in the
 * file are resolved against the file's folder, so a run behaves the same whichever directory it is
 * launched from.
 *
 * @param sample sample id, for example {@code h01}; part of the run's identity and of every metric
 * @param run run name, unique within the sample; {@code sample/run} identifies the run
 * @param description free text shown by {@code status}
 * @param acquisition folder of the microscope's acquisition (the "workflow folder"), or null for a
 *     run whose first stage does not read one (synthetic runs)
 * @param dataRoot folder under which the run writes its outputs and completion markers
 * @param voxelSize voxel size in nanometres
 * @param volume expected sample geometry, used by planners until stages publish measured facts
 * @param executor where tasks run
 * @param defaults settings every stage inherits
 * @param autoResume how a failed stage is resumed on its own
 * @param notifications where run finished, stage failed and stage resumed are reported, or null
 * @param stages the stages of this run, in chain order
 * @param qcGates quality-control gates that hold the run for review when a stage misses them
 * @param stepOrder {@value #GRAPH} (null: the default) starts a step once the steps whose outputs
 *     it reads are done, so stages overlap; {@value #CHAIN} runs one step at a time in the
 *     pipeline's order (each stage's time alone, or a machine that should not run two stages at
 *     once)
 */
public record RunSpec(
    String sample,
    String run,
    String description,
    String acquisition,
    String dataRoot,
    VoxelSize voxelSize,
    VolumeSpec volume,
    ExecutorSpec executor,
    StageSettings defaults,
    AutoResumeSpec autoResume,
    NotificationsSpec notifications,
    List<StageSpec> stages,
    List<QcGateSpec> qcGates,
    String stepOrder) {

  /** {@link #stepOrder}: steps start when what they read is done. */
  public static final String GRAPH = "graph";

  /** {@link #stepOrder}: one step at a time, in the pipeline's order. */
  public static final String CHAIN = "chain";

  public RunSpec {
    stages = stages == null ? List.of() : List.copyOf(stages);
    qcGates = qcGates == null ? List.of() : List.copyOf(qcGates);
  }

  /** A run without quality-control gates. */
  public RunSpec(
      String sample,
      String run,
      String description,
      String acquisition,
      String dataRoot,
      VoxelSize voxelSize,
      VolumeSpec volume,
      ExecutorSpec executor,
      StageSettings defaults,
      AutoResumeSpec autoResume,
      NotificationsSpec notifications,
      List<StageSpec> stages) {
    this(
        sample,
        run,
        description,
        acquisition,
        dataRoot,
        voxelSize,
        volume,
        executor,
        defaults,
        autoResume,
        notifications,
        stages,
        List.of(),
        null);
  }

  /** Whether the steps run one at a time ({@code stepOrder: chain}). */
  public boolean chained() {
    return CHAIN.equals(stepOrder);
  }

  /** {@code sample/run}: the run's name for people and for the CLI. */
  public String runId() {
    return sample + "/" + run;
  }

  public RunSpec withDataRoot(String newDataRoot) {
    return new RunSpec(
        sample,
        run,
        description,
        acquisition,
        newDataRoot,
        voxelSize,
        volume,
        executor,
        defaults,
        autoResume,
        notifications,
        stages,
        qcGates,
        stepOrder);
  }

  public RunSpec withAcquisition(String newAcquisition) {
    return new RunSpec(
        sample,
        run,
        description,
        newAcquisition,
        dataRoot,
        voxelSize,
        volume,
        executor,
        defaults,
        autoResume,
        notifications,
        stages,
        qcGates,
        stepOrder);
  }
}
