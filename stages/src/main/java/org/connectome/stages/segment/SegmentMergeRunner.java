package org.connectome.stages.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.connectome.layout.StepLayout;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code segment.merge} (one unit): merges the shards that {@code segment.reconcile} wrote, level
 * by level ({@code mergeFanIn} nodes per node of the next level), gives the segments dense global
 * ids by prefix sums over the shards, and writes what {@code segment.relabel} and the report read:
 * the subvolumes' maps, the segment list, the summary and the segment properties (see {@link
 * SegmentReconcileRunner}). It holds one merge node's boundary or one shard's ids at a time. It
 * reads the reconcile step's parameters from that step's definition, so both agree on the shards.
 */
public final class SegmentMergeRunner implements UnitRunner {
  private final SegmentReconcileRunner reconcile;
  private final Path runDir;
  private final StepLayout layout;
  private final SegmentReconcileRunner.Params params;
  private final long subvolumes;

  private SegmentMergeRunner(
      SegmentReconcileRunner reconcile,
      Path runDir,
      StepLayout layout,
      SegmentReconcileRunner.Params params,
      long subvolumes) {
    this.reconcile = reconcile;
    this.runDir = runDir;
    this.layout = layout;
    this.params = params;
    this.subvolumes = subvolumes;
  }

  public static SegmentMergeRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    Path runDir = Path.of(def.runDir());
    Path f = SegmentSteps.layout(runDir, SegmentSteps.RECONCILE).definitionFile();
    if (!Files.isRegularFile(f)) {
      throw new BadDefinitionException(
          "segment.merge: no " + f + " to read the shards from; run segment.reconcile first");
    }
    TaskDefinition rec;
    try {
      rec = TaskDefinition.read(f);
    } catch (IOException e) {
      throw new BadDefinitionException(
          "segment.merge: cannot read the reconcile step's definition " + f + ": " + e.getMessage(),
          e);
    }
    SegmentReconcileRunner r =
        SegmentReconcileRunner.create(rec, SegmentSteps.layout(runDir, SegmentSteps.RECONCILE));
    return new SegmentMergeRunner(
        r, runDir, layout, r.params(), SegmentSteps.subvolumes(rec).blockCount());
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    long t0 = System.nanoTime();
    Path out = layout.outputDir();
    try {
      Path work = out.resolve("work");
      SegmentReconcileRunner.deleteTree(work); // an earlier attempt's files with other shards
      ShardedReconcile r =
          reconcile.sharded(SegmentSteps.layout(runDir, SegmentSteps.RECONCILE).outputDir(), work);
      SegmentReconcileRunner.merge(runDir, r, out, params, subvolumes, t0);
    } catch (NoSuchFileException e) {
      throw SegmentReconcileRunner.missing(e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException("segment.merge: " + e, true, e);
    }
  }
}
