package org.connectome.stages.segment;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.spec.VoxelSize;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code segment.inference}, implementation {@code reference}: unit {@code i} is subvolume {@code
 * i} of {@code subvolumeSize} with {@code subvolumeOverlap} on every side (clipped to the volume)
 * over {@code volumes/aligned/}. It segments the subvolume with the trained affinity network
 * ({@link AffinitySegmenter}, {@code params.method: affinity}, the default) or the earlier
 * hand-tuned flood fill ({@link FloodFillSegmenter}, {@code method: flood-fill}) and writes the
 * labels where and as google/ffn writes a subvolume ({@link FfnSubvolumes}): {@code
 * output/<x>/<y>/seg-<x>_<y>_<z>.npz} for the subvolume's corner with overlap, a {@code
 * segmentation} array in {@code (z, y, x)} order. Labels are local to the subvolume (1, 2, ...);
 * {@code segment.overlaps} and {@code segment.reconcile} make them global.
 */
public final class SegmentInferenceRunner implements UnitRunner {
  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;
  private final SubvolumeSegmenter segmenter;
  private PrecomputedVolume aligned;

  SegmentInferenceRunner(Path runDir, StepLayout layout, BlockGrid grid, SubvolumeSegmenter s) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
    this.segmenter = s;
  }

  /**
   * The segmenter {@code params.method} names: {@code affinity} (default) or {@code flood-fill}.
   */
  static SubvolumeSegmenter segmenter(String step, Map<String, Object> params, VoxelSize voxelSize)
      throws IOException {
    return "flood-fill".equals(SegmentParams.METHOD.read(step, params))
        ? new FloodFillSegmenter(SegmentParams.of(step, params))
        : new AffinitySegmenter(AffinityParams.of(step, params, voxelSize));
  }

  public static SegmentInferenceRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid grid = SegmentSteps.ownGrid(def);
    try {
      return new SegmentInferenceRunner(
          Path.of(def.runDir()),
          layout,
          grid,
          segmenter("segment.inference", def.params(), def.voxelSize()));
    } catch (IllegalArgumentException | IOException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    Box box = grid.withOverlap(unit.unit());
    String what = "segment.inference subvolume " + unit.unit() + " (" + box.chunkName() + ")";
    try {
      open(what);
      ByteVolume image = aligned.readImage(0, box);
      LabelVolume labels = segmenter.segment(image);
      FfnSubvolumes.write(layout.outputDir(), box, labels);
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

  private void open(String what) throws IOException, UnitException {
    if (aligned != null) {
      return;
    }
    PrecomputedVolume v = PrecomputedVolume.open(RunVolumes.aligned(runDir));
    long[] size = v.info().scale(0).size();
    long[] expected = {grid.volume().x(), grid.volume().y(), grid.volume().z()};
    if (v.info().dataType() != DataType.UINT8 || !Arrays.equals(size, expected)) {
      throw new UnitException(
          what
              + ": volumes/aligned is "
              + v.info().dataType().json()
              + " of "
              + Arrays.toString(size)
              + "; expected uint8 of "
              + Arrays.toString(expected)
              + " (the planned volume)",
          false);
    }
    aligned = v;
  }
}
