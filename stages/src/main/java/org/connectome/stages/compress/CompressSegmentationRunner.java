package org.connectome.stages.compress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.CompressPlanners;
import org.connectome.pipeline.PyramidPlan;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code compress.segmentation}: unit {@code i} is box {@code i} of the step's grid (a shard of
 * scale 0 when sharded, else a block of {@code blockSize}, {@link PyramidPlan}). It reads the block
 * from {@code volumes/segmentation/} (the global segmentation, uint64 or uint32, one scale, written
 * by segment.relabel), writes it to {@code neuroglancer/segmentation/} at scale 0 and, by the most
 * frequent label per {@code downsample} box, at every coarser scale, as {@code
 * compressed_segmentation} (or raw), with the input's data type; the info names {@code mesh} and
 * {@code segment_properties} folders when the params ask. With {@code whenNoSegmentation: skip} a
 * unit whose input volume does not exist records that and succeeds.
 */
public final class CompressSegmentationRunner implements UnitRunner {
  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;
  private final CompressParams params;
  private final PyramidPlan pyramid;
  private PrecomputedVolume input;
  private PrecomputedVolume output;

  CompressSegmentationRunner(
      Path runDir, StepLayout layout, BlockGrid grid, CompressParams params, PyramidPlan pyramid) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
    this.params = params;
    this.pyramid = pyramid;
  }

  public static CompressSegmentationRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid grid = CompressImageRunner.grid(def);
    try {
      return new CompressSegmentationRunner(
          Path.of(def.runDir()),
          layout,
          grid,
          CompressParams.segmentation(def.params()),
          PyramidPlan.forGrid(grid, def.params(), CompressPlanners.SEGMENTATION_BYTES)
              .requireWholeChunks());
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  public PyramidPlan pyramid() {
    return pyramid;
  }

  /** The info of {@code neuroglancer/segmentation/}. */
  public VolumeInfo outputInfo(DataType type, double[] resolution0) {
    List<VolumeInfo.Scale> scales = CompressImageRunner.scales(pyramid, params, resolution0);
    return new VolumeInfo(
        VolumeInfo.TYPE,
        VolumeInfo.SEGMENTATION,
        type,
        1,
        scales,
        params.mesh(),
        params.segmentProperties());
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    Box block = grid.core(unit.unit());
    String what = "compress.segmentation block " + unit.unit() + " (" + block.chunkName() + ")";
    try {
      if (input == null
          && params.skipWithoutInput()
          && !Files.isRegularFile(RunVolumes.segmentation(runDir).resolve("info"))) {
        new CompressStats(
                unit.unit(),
                block.chunkName(),
                params.encoding().json(),
                0,
                0,
                0,
                0,
                List.of(),
                "no " + RunVolumes.SEGMENTATION + " (whenNoSegmentation: skip)",
                "segmentation")
            .write(layout.outputDir());
        return;
      }
      open();
      List<CompressStats.ScaleStats> perScale =
          ScaleUnits.write(
              Voxels.LABELS, input, 0, 0, output, pyramid, 0, pyramid.compressTop(), block);
      CompressStats.of(
              "segmentation",
              unit.unit(),
              block,
              params,
              block.size().volume() * input.info().dataType().bytes(),
              perScale)
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
      PrecomputedVolume in = PrecomputedVolume.open(RunVolumes.segmentation(runDir));
      VolumeInfo.Scale s0 = in.info().scale(0);
      long[] expected = {grid.volume().x(), grid.volume().y(), grid.volume().z()};
      DataType t = in.info().dataType();
      if ((t != DataType.UINT64 && t != DataType.UINT32)
          || in.info().numChannels() != 1
          || !Arrays.equals(s0.size(), expected)) {
        throw new UnitException(
            "compress.segmentation: volumes/segmentation is "
                + t.json()
                + " x"
                + in.info().numChannels()
                + " of "
                + Arrays.toString(s0.size())
                + "; expected uint64 or uint32, one"
                + " channel, of "
                + Arrays.toString(expected),
            false);
      }
      input = in;
    }
    if (output == null) {
      output =
          PrecomputedVolume.create(
              RunVolumes.neuroglancerSegmentation(runDir),
              outputInfo(input.info().dataType(), input.info().scale(0).resolution()));
    }
  }

  @Override
  public void close() {
    // nothing held open: chunk files are written whole per unit
  }
}
