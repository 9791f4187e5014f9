package org.connectome.stages.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;

/**
 * What the segment steps share: their folders and the subvolume grid of {@code segment.inference},
 * which every later step reads from the inference step's own definition ({@code
 * stages/segment/inference/step.json}), so that the overlaps, the reconciliation and the
 * relabelling always agree with the subvolumes that were written, whichever implementation wrote
 * them.
 */
public final class SegmentSteps {
  public static final String STAGE = "segment";
  public static final String INFERENCE = "inference";
  public static final String OVERLAPS = "overlaps";
  public static final String RECONCILE = "reconcile";
  public static final String MERGE = "merge";
  public static final String RELABEL = "relabel";

  private SegmentSteps() {}

  public static StepLayout layout(Path runDir, String step) {
    return new StepLayout(runDir.resolve("stages").resolve(STAGE).resolve(step));
  }

  /** Where the subvolumes are, in FFN's layout: the inference step's {@code output/}. */
  public static Path inferenceOutput(Path runDir) {
    return layout(runDir, INFERENCE).outputDir();
  }

  /**
   * Where the reconciliation's maps, segment list and summary are: {@code segment.merge}'s output
   * once that step is planned (its definition exists), else (runs planned before it, where the one
   * reconcile unit wrote them) {@code segment.reconcile}'s.
   */
  public static Path reconciled(Path runDir) {
    StepLayout merge = layout(runDir, MERGE);
    return Files.isRegularFile(merge.definitionFile())
        ? merge.outputDir()
        : layout(runDir, RECONCILE).outputDir();
  }

  /** A per-unit file {@code <dir>/<unit / 1000>/<prefix><unit><suffix>}. */
  public static Path unitFile(Path dir, long unit, String prefix, String suffix) {
    return dir.resolve(Long.toString(unit / 1000)).resolve(prefix + unit + suffix);
  }

  /** The block grid of a step's own plan, or a bad definition naming the step. */
  public static BlockGrid ownGrid(TaskDefinition def) throws BadDefinitionException {
    BlockGrid g =
        def.plan() == null || def.plan().units() == null ? null : def.plan().units().grid();
    if (g == null) {
      throw new BadDefinitionException(
          def.stage() + "." + def.step() + ": the step definition has no block grid");
    }
    return g;
  }

  /**
   * The inference's subvolume grid: from {@code stages/segment/inference/step.json} when it exists,
   * else (a step run on its own, as in tests) from {@code def} itself when it is planned in
   * subvolumes.
   */
  public static BlockGrid subvolumes(TaskDefinition def) throws BadDefinitionException {
    Path runDir = Path.of(def.runDir());
    Path f = layout(runDir, INFERENCE).definitionFile();
    if (Files.isRegularFile(f)) {
      try {
        TaskDefinition inf = TaskDefinition.read(f);
        if (inf.plan() != null && inf.plan().units() != null && inf.plan().units().grid() != null) {
          return inf.plan().units().grid();
        }
      } catch (IOException e) {
        throw new BadDefinitionException(
            def.stage()
                + "."
                + def.step()
                + ": cannot read the inference step's "
                + "definition "
                + f
                + ": "
                + e.getMessage(),
            e);
      }
      throw new BadDefinitionException(f + " has no subvolume grid");
    }
    if (def.plan() != null
        && def.plan().units() != null
        && "subvolume".equals(def.plan().units().unitKind())) {
      return ownGrid(def);
    }
    throw new BadDefinitionException(
        def.stage()
            + "."
            + def.step()
            + ": no "
            + f
            + " to read the subvolume grid from; run segment.inference first");
  }

  /** The intersection of two boxes, or null when they do not overlap. */
  static Box intersect(Box a, Box b) {
    long x0 = Math.max(a.start().x(), b.start().x());
    long y0 = Math.max(a.start().y(), b.start().y());
    long z0 = Math.max(a.start().z(), b.start().z());
    long x1 = Math.min(a.end().x(), b.end().x());
    long y1 = Math.min(a.end().y(), b.end().y());
    long z1 = Math.min(a.end().z(), b.end().z());
    if (x0 >= x1 || y0 >= y1 || z0 >= z1) {
      return null;
    }
    return new Box(new Vec3(x0, y0, z0), new Vec3(x1, y1, z1));
  }

  /** The index of grid position {@code (i, j, k)}, or -1 outside the grid. */
  static long index(BlockGrid grid, long i, long j, long k) {
    Vec3 g = grid.gridSize();
    if (i < 0 || j < 0 || k < 0 || i >= g.x() || j >= g.y() || k >= g.z()) {
      return -1;
    }
    return i + g.x() * (j + g.y() * k);
  }
}
