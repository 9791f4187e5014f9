package org.connectome.stages.synapses;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Planners;
import org.connectome.spec.Param;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code synapses.index} (reference), in two rounds ({@link
 * org.connectome.pipeline.Planners.BlockRangesPlanner}): unit {@code u} of the first round is box
 * {@code u} of detect blocks, which writes its share of the by-id and spatial annotations in {@code
 * neuroglancer/synapses/}, its part of the table and its relations for each bucket of segments;
 * unit {@code u} of the second is bucket {@code u}, which writes that bucket's pre/post shards from
 * the boxes' parts ({@link IndexPartition}). It reads the detect step's definition ({@code
 * stages/synapses/detect/step.json}) for the block grid and the params hash; a missing block file
 * fails the unit (retryable: the detect step may be rerun).
 */
public final class SynapseIndexRunner implements UnitRunner {
  private final Path runDir;
  private final DetectParams params;
  private final SynapseIndex.Sharding sharding;

  /** Where the boxes hand the buckets their relations (the step's output, per params hash). */
  private final Path relations;

  SynapseIndexRunner(
      Path runDir, DetectParams params, SynapseIndex.Sharding sharding, Path relations) {
    this.runDir = runDir;
    this.params = params;
    this.sharding = sharding;
    this.relations = relations;
  }

  static final Param<String> SHARDING =
      Param.choice(
          "sharding",
          "auto",
          List.of("auto", "always", "never"),
          "Sharded by-id and pre/post indexes: auto, always, never. The synapses.index step"
              + " shards with auto (its units cannot count the whole index); the last block"
              + " (index: last-block) shards with auto above shardedAbove files.");
  static final Param<Integer> SHARDED_ABOVE =
      Param.integer(
          "shardedAbove",
          (int) SynapseIndex.Sharding.DEFAULT_ABOVE,
          0,
          Integer.MAX_VALUE,
          "With sharding auto and index: last-block: an index that would be more files than"
              + " this is sharded.");
  static final Param<Integer> IDS_PER_SHARD =
      Param.integer(
          "idsPerShard",
          (int) SynapseIndex.Sharding.DEFAULT_IDS_PER_SHARD,
          1,
          Integer.MAX_VALUE,
          "With index: last-block: annotations (by id) or segments (by relationship) per shard"
              + " (the synapses.index step shards by its units, indexBlocks).");

  /** What the index reads beyond the detector's parameters. */
  public static final List<Param<?>> SHARDING_PARAMS =
      List.of(SHARDING, SHARDED_ABOVE, IDS_PER_SHARD);

  /** {@code sharding} (auto, always, never), {@code shardedAbove} (files), {@code idsPerShard}. */
  static SynapseIndex.Sharding sharding(java.util.Map<String, Object> params) {
    String step = "synapses.index";
    return new SynapseIndex.Sharding(
        SHARDING.read(step, params),
        SHARDED_ABOVE.read(step, params),
        IDS_PER_SHARD.read(step, params));
  }

  public static SynapseIndexRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    try {
      return new SynapseIndexRunner(
          Path.of(def.runDir()),
          DetectParams.parse(def.params()),
          sharding(def.params()),
          layout
              .outputDir()
              .resolve("relations")
              .resolve(def.paramsHash() == null ? "none" : def.paramsHash()));
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(
          e.getMessage().replace("synapses.detect:", "synapses.index:"), e);
    }
  }

  /**
   * The cut of the detect grid; the planned unit count must match it (the planner sizes the grid
   * from the synapses stage's {@code blockSize}, the runner from the detect step's definition).
   */
  private IndexPartition.Layout layout(BlockGrid grid, TaskDefinition def) throws UnitException {
    String step = "synapses.index";
    IndexPartition.Layout layout;
    try {
      layout =
          new IndexPartition.Layout(
              grid,
              Planners.BlockRangesPlanner.indexBlocks(step, def.params()),
              !sharding.mode().equals("never"));
    } catch (IllegalArgumentException e) {
      throw new UnitException(step + ": " + e.getMessage(), false);
    }
    List<Long> rounds =
        def.plan() == null || def.plan().units() == null
            ? List.of(layout.units(), layout.units())
            : def.plan().units().rounds();
    if (rounds == null) {
      throw new UnitException(
          step
              + ": planned before the index ran in rounds (boxes, then buckets); plan the step"
              + " again (resume the run)",
          false);
    }
    long planned = rounds.get(0);
    if (rounds.size() != 2 || !rounds.get(0).equals(rounds.get(1)) || planned != layout.units()) {
      throw new UnitException(
          step
              + ": planned "
              + planned
              + " units per round (rounds "
              + rounds
              + "), but the detect grid of "
              + grid.blockCount()
              + " blocks in ranges of "
              + layout.blocksPerUnit()
              + " makes "
              + layout.units()
              + " (set blockSize on the synapses stage, not on the detect step alone)",
          false);
    }
    return layout;
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    StepLayout detect = new StepLayout(runDir.resolve("stages/synapses/detect"));
    try {
      TaskDefinition def = TaskDefinition.read(detect.definitionFile());
      BlockGrid grid =
          def.plan() == null || def.plan().units() == null ? null : def.plan().units().grid();
      if (grid == null) {
        throw new UnitException(
            "synapses.index: " + detect.definitionFile() + " has no block grid", false);
      }
      String hash = def.paramsHash() == null ? "none" : def.paramsHash();
      IndexPartition.Layout layout = layout(grid, unit.definition());
      double[] resolution =
          PrecomputedVolume.open(RunVolumes.aligned(runDir)).info().scale(0).resolution();
      Path annotations = runDir.resolve(SynapseIndex.FOLDER);
      List<Path> written =
          unit.unit() < layout.units()
              ? IndexPartition.box(
                  layout,
                  unit.unit(),
                  detect.outputDir(),
                  hash,
                  annotations,
                  relations,
                  resolution,
                  params.spatialLimit())
              : IndexPartition.bucket(
                  layout, unit.unit() - layout.units(), relations, annotations, resolution);
      written.forEach(unit::output);
    } catch (NoSuchFileException e) {
      throw new UnitException("synapses.index: missing input " + e.getFile(), true, e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException("synapses.index: " + e, true, e);
    }
  }
}
