package org.connectome.stages.compress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Downsample;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code compress.segmentation}: unit {@code i} is block {@code i} of {@code blockSize}. It reads
 * the block from {@code volumes/segmentation/} (the global segmentation, uint64 or uint32, one
 * scale, written by segment.relabel), writes it to {@code neuroglancer/segmentation/} at scale 0
 * and, by the most frequent label per {@code downsample} box, at every coarser scale, as {@code
 * compressed_segmentation} (or raw), with the input's data type; the info names {@code mesh} and
 * {@code segment_properties} folders when the params ask. With {@code whenNoSegmentation: skip} a
 * unit whose input volume does not exist records that and succeeds.
 */
public final class CompressSegmentationRunner implements UnitRunner {
  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;
  private final CompressParams params;
  private final ScalePyramid pyramid;
  private PrecomputedVolume input;
  private PrecomputedVolume output;

  CompressSegmentationRunner(
      Path runDir, StepLayout layout, BlockGrid grid, CompressParams params) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
    this.params = params;
    this.pyramid =
        ScalePyramid.plan(
            "compress.segmentation",
            new long[] {grid.volume().x(), grid.volume().y(), grid.volume().z()},
            CompressImageRunner.blockSize(grid),
            params.chunkSize(),
            params.downsample(),
            params.scales());
  }

  public static CompressSegmentationRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid grid = CompressImageRunner.grid(def);
    try {
      return new CompressSegmentationRunner(
          Path.of(def.runDir()), layout, grid, CompressParams.segmentation(def.params()));
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  public ScalePyramid pyramid() {
    return pyramid;
  }

  /** The info of {@code neuroglancer/segmentation/}. */
  public VolumeInfo outputInfo(DataType type, double[] resolution0) {
    List<VolumeInfo.Scale> scales = new ArrayList<>();
    for (ScalePyramid.Level l : pyramid.levels()) {
      scales.add(
          VolumeInfo.Scale.of(
              l.size(),
              pyramid.resolution(resolution0, l.index()),
              params.chunkSize(),
              params.encoding(),
              params.csBlockSize()));
    }
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
                "no " + RunVolumes.SEGMENTATION + " (whenNoSegmentation: skip)")
            .write(layout.outputDir());
        return;
      }
      open();
      LabelVolume data = input.readLabels(0, block);
      long bytesIn = (long) data.data().length * input.info().dataType().bytes();
      int width = output.info().dataType().bytes();
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
          data = Downsample.mode(data, f[0], f[1], f[2]);
        }
        Box region = pyramid.region(block, l.index());
        long n = output.grid(l.index()).chunksIntersecting(region).size();
        long written = output.writeLabels(l.index(), region, data);
        long rawBytes = (long) data.data().length * width;
        perScale.add(
            new CompressStats.ScaleStats(
                output.info().scale(l.index()).key(), rawBytes, written, n));
        raw += rawBytes;
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
