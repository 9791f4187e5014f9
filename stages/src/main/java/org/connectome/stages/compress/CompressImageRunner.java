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
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Downsample;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code compress.image}: unit {@code i} is block {@code i} of {@code blockSize} over the aligned
 * volume. It reads the block from {@code volumes/aligned/} (raw uint8, align.render), writes it to
 * {@code neuroglancer/image/} at scale 0 and, averaged by {@code downsample} per level, at every
 * coarser scale ({@link ScalePyramid}), in the chosen encoding ({@code jpeg} or {@code raw}), and
 * writes {@link CompressStats} for the unit.
 */
public final class CompressImageRunner implements UnitRunner {
  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;
  private final CompressParams params;
  private final ScalePyramid pyramid;
  private PrecomputedVolume input;
  private PrecomputedVolume output;

  CompressImageRunner(Path runDir, StepLayout layout, BlockGrid grid, CompressParams params) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
    this.params = params;
    this.pyramid =
        ScalePyramid.plan(
            "compress.image",
            new long[] {grid.volume().x(), grid.volume().y(), grid.volume().z()},
            blockSize(grid),
            params.chunkSize(),
            params.downsample(),
            params.scales());
  }

  public static CompressImageRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid grid = grid(def);
    try {
      return new CompressImageRunner(
          Path.of(def.runDir()), layout, grid, CompressParams.image(def.params()));
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

  static int[] blockSize(BlockGrid grid) {
    return new int[] {
      Math.toIntExact(grid.blockSize().x()),
      Math.toIntExact(grid.blockSize().y()),
      Math.toIntExact(grid.blockSize().z())
    };
  }

  public ScalePyramid pyramid() {
    return pyramid;
  }

  /** The info of {@code neuroglancer/image/} for a scale-0 resolution. */
  public VolumeInfo outputInfo(double[] resolution0) {
    List<VolumeInfo.Scale> scales = new ArrayList<>();
    for (ScalePyramid.Level l : pyramid.levels()) {
      scales.add(
          VolumeInfo.Scale.of(
              l.size(),
              pyramid.resolution(resolution0, l.index()),
              params.chunkSize(),
              params.encoding(),
              null));
    }
    return VolumeInfo.of(VolumeInfo.IMAGE, DataType.UINT8, 1, scales);
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    Box block = grid.core(unit.unit());
    String what = "compress.image block " + unit.unit() + " (" + block.chunkName() + ")";
    try {
      open();
      ByteVolume data = input.readImage(0, block);
      long bytesIn = data.data().length;
      List<CompressStats.ScaleStats> perScale = new ArrayList<>();
      long raw = 0;
      long out = 0;
      long chunks = 0;
      int[] f = pyramid.stepFactor();
      for (ScalePyramid.Level l : pyramid.levels()) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        if (l.index() > 0) {
          data = Downsample.average(data, f[0], f[1], f[2]);
        }
        Box region = pyramid.region(block, l.index());
        long n = output.grid(l.index()).chunksIntersecting(region).size();
        long written = output.writeImage(l.index(), region, data);
        perScale.add(
            new CompressStats.ScaleStats(
                output.info().scale(l.index()).key(), data.data().length, written, n));
        raw += data.data().length;
        out += written;
        chunks += n;
      }
      new CompressStats(
              unit.unit(),
              block.chunkName(),
              params.encoding().json(),
              bytesIn,
              raw,
              out,
              chunks,
              perScale,
              null)
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
    // nothing held open: chunk files are written whole per unit
  }
}
