package org.connectome.stages.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.stages.render.VoxelSize;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code segment.relabel}: unit {@code i} is block {@code i} of {@code blockSize}. Every voxel of
 * the block lies in exactly one subvolume core; the runner reads, from each subvolume whose core
 * meets the block, only that part of its labels (FFN's format) and maps its local ids to global
 * ones through {@code segment.reconcile}'s map of that subvolume. The block is one chunk of {@code
 * volumes/segmentation/}: uint64, raw, one scale of the aligned volume's size and resolution, chunk
 * size = {@code blockSize} (every unit writes the same info, atomically, and its own chunk). A
 * local id with no global id (not in the map) fails the unit: the map and the subvolume disagree.
 */
public final class SegmentRelabelRunner implements UnitRunner {
  private final Path runDir;
  private final BlockGrid blocks;
  private final BlockGrid subvolumes;
  private final double[] resolution;
  private final Map<Long, LongCounts> maps = new LinkedHashMap<>(16, 0.75f, true);
  private PrecomputedVolume volume;

  SegmentRelabelRunner(Path runDir, BlockGrid blocks, BlockGrid subvolumes, double[] resolution) {
    this.runDir = runDir;
    this.blocks = blocks;
    this.subvolumes = subvolumes;
    this.resolution = resolution;
  }

  public static SegmentRelabelRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid blocks = SegmentSteps.ownGrid(def);
    BlockGrid subvolumes = SegmentSteps.subvolumes(def);
    if (!blocks.volume().equals(subvolumes.volume())) {
      throw new BadDefinitionException(
          "segment.relabel: the blocks cover "
              + blocks.volume()
              + " but the inference's subvolumes "
              + subvolumes.volume());
    }
    try {
      return new SegmentRelabelRunner(Path.of(def.runDir()), blocks, subvolumes, resolution(def));
    } catch (IllegalArgumentException | IOException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  /**
   * The aligned volume's resolution, so that the segmentation overlays it exactly; else the spec's
   * voxel size.
   */
  private static double[] resolution(TaskDefinition def) throws IOException {
    Path aligned = RunVolumes.aligned(Path.of(def.runDir()));
    if (Files.isRegularFile(aligned.resolve("info"))) {
      return PrecomputedVolume.open(aligned).info().scale(0).resolution().clone();
    }
    return VoxelSize.resolve("segment.relabel", def.params(), def);
  }

  /** The info of {@code volumes/segmentation/}. */
  public static VolumeInfo info(BlockGrid blocks, double[] resolution) {
    long[] size = {blocks.volume().x(), blocks.volume().y(), blocks.volume().z()};
    int[] chunk = {
      Math.toIntExact(blocks.blockSize().x()),
      Math.toIntExact(blocks.blockSize().y()),
      Math.toIntExact(blocks.blockSize().z())
    };
    return VolumeInfo.of(
        VolumeInfo.SEGMENTATION,
        DataType.UINT64,
        1,
        List.of(VolumeInfo.Scale.of(size, resolution.clone(), chunk, Encoding.RAW, null)));
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    Box block = blocks.core(unit.unit());
    String what = "segment.relabel block " + unit.unit() + " (" + block.chunkName() + ")";
    Path in = SegmentSteps.inferenceOutput(runDir);
    Path mapsDir = SegmentSteps.reconciled(runDir);
    try {
      LabelVolume out =
          new LabelVolume(
              Math.toIntExact(block.size().x()),
              Math.toIntExact(block.size().y()),
              Math.toIntExact(block.size().z()));
      Vec3 s = subvolumes.blockSize();
      for (long k = block.start().z() / s.z(); k * s.z() < block.end().z(); k++) {
        for (long j = block.start().y() / s.y(); j * s.y() < block.end().y(); j++) {
          for (long i = block.start().x() / s.x(); i * s.x() < block.end().x(); i++) {
            if (Thread.interrupted()) {
              throw new InterruptedException();
            }
            long sub = SegmentSteps.index(subvolumes, i, j, k);
            Box region = SegmentSteps.intersect(subvolumes.core(sub), block);
            if (region == null) {
              continue;
            }
            LabelVolume local = FfnSubvolumes.read(in, subvolumes.withOverlap(sub), region);
            LongCounts map = map(mapsDir, sub);
            place(local, map, region, block, out, sub, what);
          }
        }
      }
      if (volume == null) {
        volume =
            PrecomputedVolume.create(RunVolumes.segmentation(runDir), info(blocks, resolution));
      }
      volume.writeLabels(0, block, out);
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

  private static void place(
      LabelVolume local,
      LongCounts map,
      Box region,
      Box block,
      LabelVolume out,
      long sub,
      String what)
      throws UnitException {
    int nx = local.sx();
    int ox = Math.toIntExact(region.start().x() - block.start().x());
    int oy = Math.toIntExact(region.start().y() - block.start().y());
    int oz = Math.toIntExact(region.start().z() - block.start().z());
    long[] d = local.data();
    long[] o = out.data();
    int i = 0;
    for (int z = 0; z < local.sz(); z++) {
      for (int y = 0; y < local.sy(); y++, i += nx) {
        long missing = Relabel.remap(d, i, o, out.index(ox, oy + y, oz + z, 0), nx, map);
        if (missing != 0) {
          throw new UnitException(
              what
                  + ": local id "
                  + Long.toUnsignedString(missing)
                  + " of subvolume "
                  + sub
                  + " has no global id in segment.reconcile's map (rerun segment.overlaps and segment.reconcile "
                  + "after the inference)",
              false);
        }
      }
    }
  }

  private LongCounts map(Path mapsDir, long sub) throws IOException {
    LongCounts m = maps.get(sub);
    if (m == null) {
      m = SegmentReconcileRunner.readMap(mapsDir, sub);
      maps.put(sub, m);
      while (maps.size() > 64) {
        maps.remove(maps.keySet().iterator().next());
      }
    }
    return m;
  }
}
