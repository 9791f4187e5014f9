package org.connectome.stages.segment;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code segment.overlaps}: unit {@code i} is subvolume {@code i} of the inference's grid. It reads
 * the subvolume's labels (FFN's format, whichever implementation wrote them), counts its ids in its
 * core, and for each later neighbour (the 13 of the 26 around it with a larger index: +x, +y, +z
 * and the diagonals) whose box meets its own, reads the neighbour's labels in the shared region
 * only and counts co-occurring id pairs there. Writes {@link SubvolumeOverlaps}.
 */
public final class SegmentOverlapsRunner implements UnitRunner {
  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;

  SegmentOverlapsRunner(Path runDir, StepLayout layout, BlockGrid grid) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
  }

  public static SegmentOverlapsRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid subvolumes = SegmentSteps.subvolumes(def);
    BlockGrid own = SegmentSteps.ownGrid(def);
    if (own.blockCount() != subvolumes.blockCount()) {
      throw new BadDefinitionException(
          "segment.overlaps plans "
              + own.blockCount()
              + " subvolumes but "
              + "segment.inference has "
              + subvolumes.blockCount()
              + " ("
              + subvolumes.blockSize()
              + " with overlap "
              + subvolumes.overlap()
              + "): set subvolumeSize and subvolumeOverlap in the segment stage's params, which "
              + "both steps read, rather than in the inference step's");
    }
    return new SegmentOverlapsRunner(Path.of(def.runDir()), layout, subvolumes);
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    long u = unit.unit();
    Box box = grid.withOverlap(u);
    String what = "segment.overlaps subvolume " + u + " (" + box.chunkName() + ")";
    Path in = SegmentSteps.inferenceOutput(runDir);
    try {
      LabelVolume own = FfnSubvolumes.read(in, box, box);
      Box core = grid.core(u);
      LongCounts coreCounts = new LongCounts(1024);
      count(own, box, core, coreCounts);
      List<SubvolumeOverlaps.Neighbour> neighbours = new ArrayList<>();
      Vec3 p = grid.position(u);
      List<Long> later = new ArrayList<>();
      for (int dz = -1; dz <= 1; dz++) {
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            long v = SegmentSteps.index(grid, p.x() + dx, p.y() + dy, p.z() + dz);
            if (v > u) {
              later.add(v);
            }
          }
        }
      }
      later.sort(null);
      for (long v : later) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        Box other = grid.withOverlap(v);
        Box region = SegmentSteps.intersect(box, other);
        if (region == null) {
          continue;
        }
        LabelVolume theirs = FfnSubvolumes.read(in, other, region);
        neighbours.add(pairs(v, own, box, theirs, region));
      }
      new SubvolumeOverlaps(
              u, box.chunkName(), core.chunkName(), SubvolumeOverlaps.rows(coreCounts), neighbours)
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

  /** Counts the non-zero labels of {@code labels} (covering {@code box}) inside {@code region}. */
  static void count(LabelVolume labels, Box box, Box region, LongCounts out) {
    forEach(
        labels,
        box,
        region,
        (i, v) -> {
          if (v != 0) {
            out.add(v, 1);
          }
        });
  }

  private static SubvolumeOverlaps.Neighbour pairs(
      long v, LabelVolume own, Box box, LabelVolume theirs, Box region) {
    long[] b = theirs.data();
    LongCounts countsA = new LongCounts(256);
    LongCounts countsB = new LongCounts(256);
    // pair keys from dense indices, so that 64-bit ids on both sides fit one long key
    LongCounts indexA = new LongCounts(256);
    LongCounts indexB = new LongCounts(256);
    List<Long> idsA = new ArrayList<>();
    List<Long> idsB = new ArrayList<>();
    LongCounts pairs = new LongCounts(1024);
    forEach(
        own,
        box,
        region,
        (i, a) -> {
          long bb = b[i];
          if (a != 0) {
            countsA.add(a, 1);
          }
          if (bb != 0) {
            countsB.add(bb, 1);
          }
          if (a != 0 && bb != 0) {
            long ia = dense(indexA, idsA, a);
            long ib = dense(indexB, idsB, bb);
            pairs.add((ia << 32) | ib, 1);
          }
        });
    long[] keys = pairs.sortedKeys();
    long[][] rows = new long[keys.length][];
    for (int k = 0; k < keys.length; k++) {
      rows[k] =
          new long[] {
            idsA.get((int) (keys[k] >>> 32)),
            idsB.get((int) (keys[k] & 0xffffffffL)),
            pairs.get(keys[k])
          };
    }
    java.util.Arrays.sort(
        rows, (x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
    return new SubvolumeOverlaps.Neighbour(
        v,
        region.chunkName(),
        rows,
        SubvolumeOverlaps.rows(countsA),
        SubvolumeOverlaps.rows(countsB));
  }

  private static long dense(LongCounts index, List<Long> ids, long id) {
    long i = index.getOrDefault(id, -1);
    if (i < 0) {
      i = ids.size();
      ids.add(id);
      index.put(id, i);
    }
    return i;
  }

  /**
   * Visits the voxels of {@code region} in {@code labels} (which covers {@code box}), region order,
   * x fastest.
   */
  private static void forEach(LabelVolume labels, Box box, Box region, Visitor f) {
    int nx = Math.toIntExact(region.size().x());
    int ny = Math.toIntExact(region.size().y());
    int nz = Math.toIntExact(region.size().z());
    int ox = Math.toIntExact(region.start().x() - box.start().x());
    int oy = Math.toIntExact(region.start().y() - box.start().y());
    int oz = Math.toIntExact(region.start().z() - box.start().z());
    long[] d = labels.data();
    int i = 0;
    for (int z = 0; z < nz; z++) {
      for (int y = 0; y < ny; y++) {
        int at = labels.index(ox, oy + y, oz + z, 0);
        for (int x = 0; x < nx; x++) {
          f.visit(i++, d[at + x]);
        }
      }
    }
  }

  @FunctionalInterface
  private interface Visitor {
    void visit(int regionIndex, long label);
  }
}
