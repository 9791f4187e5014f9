package org.connectome.stages.synapses;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
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

  /** {@code sharding} (auto, always, never), {@code shardedAbove} (files), {@code idsPerShard}. */
  static SynapseIndex.Sharding sharding(java.util.Map<String, Object> params) {
    org.connectome.stages.precomputed.ParamValues p =
        new org.connectome.stages.precomputed.ParamValues("synapses.index", params);
    return new SynapseIndex.Sharding(
        p.string("sharding", "auto", java.util.List.of("auto", "always", "never")),
        p.integer("shardedAbove", (int) SynapseIndex.Sharding.DEFAULT_ABOVE, 0, Integer.MAX_VALUE),
        p.integer(
            "idsPerShard",
            (int) SynapseIndex.Sharding.DEFAULT_IDS_PER_SHARD,
            1,
            Integer.MAX_VALUE));
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
