package org.connectome.stages.synapses;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.spec.Param;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code synapses.index} (reference): one unit that builds {@code synapses.tsv} and the annotations
 * in {@code neuroglancer/synapses/} from the block files of {@code synapses.detect} ({@link
 * SynapseIndex}). One unit reads the block files once, where {@code index: last-block} has every
 * detect unit check whether it is the last (quadratic in the blocks). It reads the detect step's
 * definition ({@code stages/synapses/detect/step.json}) for the block grid and the params hash; a
 * missing block file fails the unit (retryable: the detect step may be rerun).
 */
public final class SynapseIndexRunner implements UnitRunner {
  private final Path runDir;
  private final DetectParams params;
  private final SynapseIndex.Sharding sharding;

  SynapseIndexRunner(Path runDir, DetectParams params, SynapseIndex.Sharding sharding) {
    this.runDir = runDir;
    this.params = params;
    this.sharding = sharding;
  }

  static final Param<String> SHARDING =
      Param.choice(
          "sharding",
          "auto",
          List.of("auto", "always", "never"),
          "Sharded annotation indexes: auto (above shardedAbove files), always, never.");
  static final Param<Integer> SHARDED_ABOVE =
      Param.integer(
          "shardedAbove",
          (int) SynapseIndex.Sharding.DEFAULT_ABOVE,
          0,
          Integer.MAX_VALUE,
          "With sharding auto: an index that would be more files than this is sharded.");
  static final Param<Integer> IDS_PER_SHARD =
      Param.integer(
          "idsPerShard",
          (int) SynapseIndex.Sharding.DEFAULT_IDS_PER_SHARD,
          1,
          Integer.MAX_VALUE,
          "Annotations (by id) or segments (by relationship) per shard of a sharded index.");

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
          Path.of(def.runDir()), DetectParams.parse(def.params()), sharding(def.params()));
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(
          e.getMessage().replace("synapses.detect:", "synapses.index:"), e);
    }
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
      for (long u = 0; u < grid.blockCount(); u++) {
        if (!java.nio.file.Files.isRegularFile(BlockSites.file(detect.outputDir(), u, hash))) {
          throw new UnitException(
              "synapses.index: block "
                  + u
                  + " of "
                  + grid.blockCount()
                  + " has no output ("
                  + BlockSites.file(detect.outputDir(), u, hash)
                  + "); synapses.detect is not complete",
              true);
        }
      }
      SynapseIndex.build(
          runDir,
          detect.outputDir(),
          grid.blockCount(),
          hash,
          grid.volume(),
          params.spatialLimit(),
          sharding);
    } catch (NoSuchFileException e) {
      throw new UnitException("synapses.index: missing input " + e.getFile(), true, e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException("synapses.index: " + e, true, e);
    }
  }
}
