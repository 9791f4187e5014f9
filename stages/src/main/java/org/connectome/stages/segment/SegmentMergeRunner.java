package org.connectome.stages.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.Planners.ReconcileMergePlanner;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code segment.merge}: merges the shards that {@code segment.reconcile} wrote, in rounds ({@link
 * ReconcileMergePlanner}): a unit per node of each merge level ({@code mergeFanIn} nodes of the
 * level below per node), then a unit per shard that gives the shard's segments their dense global
 * ids (prefix sums over the shards, read off the merge tree) and writes its subvolumes' maps and
 * its part of the segment list; the first of those also writes the summary and the segment
 * properties. No unit holds more than a merge node's boundary or one shard's ids (see {@link
 * ShardedReconcile}). It reads the reconcile step's parameters from that step's definition, so both
 * agree on the shards. A plan from before the rounds (one unit) runs every phase in its one unit.
 */
public final class SegmentMergeRunner implements UnitRunner {
  private final SegmentReconcileRunner reconcile;
  private final Path runDir;
  private final StepLayout layout;
  private final SegmentReconcileRunner.Params params;
  private final long subvolumes;

  /** Units of each round (the levels, then the shards), or null for the one unit of old plans. */
  private final List<Long> rounds;

  private SegmentMergeRunner(
      SegmentReconcileRunner reconcile,
      Path runDir,
      StepLayout layout,
      SegmentReconcileRunner.Params params,
      long subvolumes,
      List<Long> rounds) {
    this.reconcile = reconcile;
    this.runDir = runDir;
    this.layout = layout;
    this.params = params;
    this.subvolumes = subvolumes;
    this.rounds = rounds;
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
    boolean inRounds =
        def.plan() != null
            && def.plan().units() != null
            && ReconcileMergePlanner.KIND.equals(def.plan().units().unitKind());
    List<Long> rounds = null;
    if (inRounds) {
      rounds = def.plan().units().rounds();
      List<Long> expected =
          ReconcileMergePlanner.rounds(r.sharded(runDir, runDir).shards(), r.params().mergeFanIn());
      if (rounds == null || !rounds.equals(expected)) {
        throw new BadDefinitionException(
            "segment.merge: planned rounds "
                + rounds
                + " but segment.reconcile's shards (shardSubvolumes "
                + r.params().shardSubvolumes()
                + ", mergeFanIn "
                + r.params().mergeFanIn()
                + ") make "
                + expected
                + "; set shardSubvolumes and mergeFanIn on the segment stage, not on one step");
      }
    }
    return new SegmentMergeRunner(
        r, runDir, layout, r.params(), SegmentSteps.subvolumes(rec).blockCount(), rounds);
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    long t0 = System.nanoTime();
    Path out = layout.outputDir();
    Path leaves = SegmentSteps.layout(runDir, SegmentSteps.RECONCILE).outputDir();
    try {
      Path work = out.resolve("work");
      ShardedReconcile r = reconcile.sharded(leaves, work);
      if (rounds == null) {
        SegmentReconcileRunner.deleteTree(work); // an earlier attempt's files with other shards
        SegmentReconcileRunner.merge(runDir, r, out, params, subvolumes, t0);
        return;
      }
      long u = unit.unit();
      int round = 0;
      while (u >= rounds.get(round)) {
        u -= rounds.get(round);
        round++;
      }
      if (round < rounds.size() - 1) {
        r.merge(round + 1, u);
        return;
      }
      r.number(u, out);
      if (u == 0) {
        SegmentReconcileRunner.finish(runDir, r, out, params, subvolumes, t0);
      }
    } catch (NoSuchFileException e) {
      throw SegmentReconcileRunner.missing(e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException("segment.merge: " + e, true, e);
    }
  }
}
