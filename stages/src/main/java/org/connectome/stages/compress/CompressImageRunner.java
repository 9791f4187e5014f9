package org.connectome.stages.compress;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.CompressPlanners;
import org.connectome.pipeline.PyramidPlan;
import org.connectome.pipeline.ShardLayout;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.ShardingSpec;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code compress.image}: unit {@code i} is box {@code i} of the step's grid over the aligned
 * volume ({@link PyramidPlan}): a shard of scale 0 when the image is sharded, else a block of
 * {@code blockSize}. It reads the box from {@code volumes/aligned/} (raw uint8, align.render) and
 * writes it to {@code neuroglancer/image/} at scale 0 and, unsharded, averaged at the coarser
 * scales the block covers whole chunks of, in the chosen encoding ({@code jpeg} or {@code raw});
 * the pyramid steps write the scales above. It writes {@link CompressStats} for the unit. The info
 * it writes lists every scale of the full pyramid with its sharding.
 */
public final class CompressImageRunner implements UnitRunner {
  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;
  private final CompressParams params;
  private final PyramidPlan pyramid;
  private PrecomputedVolume input;
  private PrecomputedVolume output;

  CompressImageRunner(
      Path runDir, StepLayout layout, BlockGrid grid, CompressParams params, PyramidPlan pyramid) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
    this.params = params;
    this.pyramid = pyramid;
  }

  public static CompressImageRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid grid = grid(def);
    try {
      return new CompressImageRunner(
          Path.of(def.runDir()),
          layout,
          grid,
          CompressParams.image(def.params()),
          PyramidPlan.forGrid(grid, def.params(), CompressPlanners.IMAGE_BYTES)
              .requireWholeChunks());
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  static BlockGrid grid(TaskDefinition def) throws BadDefinitionException {
    BlockGrid grid =
        def.plan() == null || def.plan().units() == null ? null : def.plan().units().grid();
    if (grid == null) {
      throw new BadDefinitionException(
          def.stage() + "." + def.step() + ": the step definition has no block grid");
    }
    return grid;
  }

  public PyramidPlan pyramid() {
    return pyramid;
  }

  /** The info of {@code neuroglancer/image/} for a scale-0 resolution: every scale. */
  public VolumeInfo outputInfo(double[] resolution0) {
    return VolumeInfo.of(VolumeInfo.IMAGE, DataType.UINT8, 1, scales(pyramid, params, resolution0));
  }

  /** The scales of a volume's info: sizes, resolutions and sharding from the pyramid plan. */
  static List<VolumeInfo.Scale> scales(PyramidPlan p, CompressParams params, double[] res0) {
    List<VolumeInfo.Scale> scales = new ArrayList<>();
    for (PyramidPlan.Level l : p.levels()) {
      Vec3 f = l.factor();
      VolumeInfo.Scale s =
          VolumeInfo.Scale.of(
              new long[] {l.size().x(), l.size().y(), l.size().z()},
              new double[] {res0[0] * f.x(), res0[1] * f.y(), res0[2] * f.z()},
              new int[] {
                Math.toIntExact(p.chunk().x()),
                Math.toIntExact(p.chunk().y()),
                Math.toIntExact(p.chunk().z())
              },
              params.encoding(),
              params.csBlockSize());
      ShardLayout shards = p.shardLayout(l.index());
      scales.add(
          shards == null
              ? s
              : s.withSharding(ShardingSpec.of(shards, params.encoding() != Encoding.JPEG)));
    }
    return scales;
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    Box block = grid.core(unit.unit());
    String what = "compress.image unit " + unit.unit() + " (" + block.chunkName() + ")";
    try {
      open();
      List<CompressStats.ScaleStats> perScale =
          ScaleUnits.write(
              Voxels.IMAGE, input, 0, 0, output, pyramid, 0, pyramid.compressTop(), block);
      CompressStats.of("image", unit.unit(), block, params, block.size().volume(), perScale)
          .write(layout.outputDir());
    } catch (NoSuchFileException e) {
      throw new UnitException(
          what
              + ": missing input "
              + e.getFile()
              + (e.getReason() == null ? "" : " (" + e.getReason() + ")"),
          true,
          e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException(what + ": " + e, true, e);
    }
  }

  private void open() throws IOException, UnitException {
    if (input == null) {
      PrecomputedVolume in = PrecomputedVolume.open(RunVolumes.aligned(runDir));
      VolumeInfo.Scale s0 = in.info().scale(0);
      long[] expected = {grid.volume().x(), grid.volume().y(), grid.volume().z()};
      if (in.info().dataType() != DataType.UINT8 || !Arrays.equals(s0.size(), expected)) {
        throw new UnitException(
            "compress.image: volumes/aligned is "
                + in.info().dataType().json()
                + " of "
                + Arrays.toString(s0.size())
                + ", the plan expects uint8 of "
                + Arrays.toString(expected)
                + " (was the step planned before align.render wrote the volume?)",
            false);
      }
      input = in;
    }
    if (output == null) {
      output =
          PrecomputedVolume.create(
                  RunVolumes.neuroglancerImage(runDir),
                  outputInfo(input.info().scale(0).resolution()))
              .withJpegQuality(Math.max(1, params.jpegQuality()));
    }
  }

  @Override
  public void close() {
    // nothing held open: chunk and shard files are written whole per unit
  }
}
