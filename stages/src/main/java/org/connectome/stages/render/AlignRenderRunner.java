package org.connectome.stages.render;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code align.render}: unit {@code i} is block {@code i} of {@code renderBlockSize} over the
 * aligned volume (the plan's grid, sized from {@code facts/volume.json}). Every voxel {@code (x, y,
 * z)} of the block is the bilinear sample of section {@code z}'s stitched montage at the inverse of
 * the section's rigid transform ({@code transforms.json} of align.solve) applied to {@code (x, y)};
 * 0 outside the montage and for sections the solve left out. The block is one raw uint8 chunk of
 * {@code volumes/aligned/} (chunk size = render block size), whose info each unit writes
 * idempotently (atomic, identical content).
 */
public final class AlignRenderRunner implements UnitRunner {
  private final Path runDir;
  private final BlockGrid grid;
  private final VolumeInfo info;
  private final Map<Integer, Optional<Montage>> montages = new LinkedHashMap<>(16, 0.75f, true);
  private SectionTransforms transforms;
  private PrecomputedVolume volume;

  AlignRenderRunner(Path runDir, BlockGrid grid, double[] resolution) {
    this.runDir = runDir;
    this.grid = grid;
    this.info = alignedInfo(grid, resolution);
  }

  public static AlignRenderRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid grid =
        def.plan() == null || def.plan().units() == null ? null : def.plan().units().grid();
    if (grid == null) {
      throw new BadDefinitionException("align.render: the step definition has no block grid");
    }
    Path runDir = Path.of(def.runDir());
    try {
      return new AlignRenderRunner(
          runDir, grid, VoxelSize.resolve("align.render", def.params(), def));
    } catch (IllegalArgumentException | IOException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  /**
   * The info of {@code volumes/aligned/}: uint8 image, one raw scale whose chunk is the render
   * block.
   */
  public static VolumeInfo alignedInfo(BlockGrid grid, double[] resolution) {
    long[] size = {grid.volume().x(), grid.volume().y(), grid.volume().z()};
    int[] chunk = {
      Math.toIntExact(grid.blockSize().x()),
      Math.toIntExact(grid.blockSize().y()),
      Math.toIntExact(grid.blockSize().z())
    };
    return VolumeInfo.of(
        VolumeInfo.IMAGE,
        DataType.UINT8,
        1,
        List.of(VolumeInfo.Scale.of(size, resolution.clone(), chunk, Encoding.RAW, null)));
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    Box box = grid.core(unit.unit());
    try {
      if (transforms == null) {
        transforms = SectionTransforms.read(runDir);
      }
      ByteVolume out = render(box, transforms, this::montage);
      if (volume == null) {
        volume = PrecomputedVolume.create(RunVolumes.aligned(runDir), info);
      }
      volume.writeImage(0, box, out);
    } catch (NoSuchFileException e) {
      throw new UnitException(
          "align.render block "
              + unit.unit()
              + " ("
              + box.chunkName()
              + "): missing input "
              + e.getFile()
              + (e.getReason() == null ? "" : ": " + e.getReason()),
          true,
          e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException(
          "align.render block " + unit.unit() + " (" + box.chunkName() + "): " + e, true, e);
    }
  }

  /** A section's montage, kept for the next blocks of the task (which share the z range). */
  private Optional<Montage> montage(int z) throws IOException {
    Optional<Montage> m = montages.get(z);
    if (m == null) {
      m = Optional.of(Montage.open(runDir, z));
      montages.put(z, m);
      while (montages.size() > Math.max(4, grid.blockSize().z() + 1)) {
        montages.remove(montages.keySet().iterator().next());
      }
    }
    return m;
  }

  /** Where montages come from. */
  @FunctionalInterface
  public interface Montages {
    Optional<Montage> of(int section) throws IOException;
  }

  /** Renders the aligned voxels of {@code box}. */
  public static ByteVolume render(Box box, SectionTransforms transforms, Montages montages)
      throws IOException, InterruptedException {
    int nx = Math.toIntExact(box.size().x());
    int ny = Math.toIntExact(box.size().y());
    int nz = Math.toIntExact(box.size().z());
    ByteVolume out = new ByteVolume(nx, ny, nz);
    byte[] d = out.data();
    for (int k = 0; k < nz; k++) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      int z = Math.toIntExact(box.start().z() + k);
      Optional<RigidTransform> t = transforms.of(z);
      if (t.isEmpty()) {
        continue;
      }
      Optional<Montage> mo = montages.of(z);
      if (mo.isEmpty()) {
        continue;
      }
      Montage m = mo.get();
      double theta = Math.toRadians(t.get().thetaDeg());
      double c = Math.cos(theta);
      double s = Math.sin(theta);
      double tx = t.get().tx();
      double ty = t.get().ty();
      int at = nx * ny * k;
      for (int j = 0; j < ny; j++) {
        double dy = box.start().y() + j - ty;
        for (int i = 0; i < nx; i++) {
          double dx = box.start().x() + i - tx;
          double u = dx * c + dy * s;
          double v = -dx * s + dy * c;
          d[at++] = (byte) Math.min(255, (int) (m.sample(u, v) + 0.5));
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    montages.clear();
  }
}
