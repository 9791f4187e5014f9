package org.connectome.stages.segment;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Planners.ReconcileMergePlanner;
import org.connectome.pipeline.Planners.ReconcileShardsPlanner;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitRunner;
import org.connectome.tasks.UnitRunnerFactory;
import org.connectome.units.Grouping;

/**
 * Test helper: the four segment steps' definitions as the planner writes them, and running their
 * units.
 */
final class SegmentStepRuns {
  private SegmentStepRuns() {}

  static TaskDefinition definition(
      Path runDir, String step, String kind, BlockGrid grid, Map<String, Object> params) {
    long units = grid == null ? 1 : grid.blockCount();
    return definition(runDir, step, new UnitSpace(kind, units, grid, "test"), params);
  }

  /** A definition of {@code units} (in their rounds, if any), two units per task. */
  static TaskDefinition definition(
      Path runDir, String step, UnitSpace units, Map<String, Object> params) {
    return new TaskDefinition(
        "sample/r1",
        SegmentSteps.STAGE,
        step,
        "reference",
        params,
        "h-" + step,
        "test",
        new StepPlan(units, new Grouping(units.unitCount(), 2, 100, units.rounds())),
        runDir.toString(),
        null,
        null,
        new org.connectome.spec.VoxelSize(8, 8, 33));
  }

  /**
   * The inference's definition, written to its step.json as the planner does (the later steps read
   * its grid).
   */
  static TaskDefinition inference(
      Path runDir, Vec3 volume, Vec3 size, Vec3 overlap, Map<String, Object> params)
      throws Exception {
    TaskDefinition d =
        definition(
            runDir,
            SegmentSteps.INFERENCE,
            "subvolume",
            new BlockGrid(volume, size, overlap),
            params);
    d.write(SegmentSteps.layout(runDir, SegmentSteps.INFERENCE).definitionFile());
    return d;
  }

  static TaskDefinition overlaps(
      Path runDir, TaskDefinition inference, Map<String, Object> params) {
    return definition(
        runDir, SegmentSteps.OVERLAPS, "subvolume", inference.plan().units().grid(), params);
  }

  /** The reconciliation as runs planned before its shards have it: one unit. */
  static TaskDefinition reconcileOneUnit(Path runDir, Map<String, Object> params) {
    return definition(runDir, SegmentSteps.RECONCILE, "reconcile", null, params);
  }

  /**
   * The reconciliation's shards (of the inference's subvolumes), written to its step.json as the
   * planner does (the merge reads it).
   */
  static TaskDefinition reconcile(Path runDir, Map<String, Object> params) throws Exception {
    TaskDefinition inference =
        TaskDefinition.read(SegmentSteps.layout(runDir, SegmentSteps.INFERENCE).definitionFile());
    long subvolumes = inference.plan().units().grid().blockCount();
    long shard = ((Number) params.getOrDefault("shardSubvolumes", 64)).longValue();
    long shards = (subvolumes + shard - 1) / shard;
    TaskDefinition d =
        definition(
            runDir,
            SegmentSteps.RECONCILE,
            new UnitSpace(ReconcileShardsPlanner.KIND, shards, null, "test"),
            params);
    d.write(SegmentSteps.layout(runDir, SegmentSteps.RECONCILE).definitionFile());
    return d;
  }

  /**
   * segment.merge's definition in rounds as its planner cuts it (the merge levels of the
   * reconciliation's shards, then the shards), written to its step.json (relabel then reads its
   * maps).
   */
  static TaskDefinition merge(Path runDir, Map<String, Object> params) throws Exception {
    TaskDefinition rec =
        TaskDefinition.read(SegmentSteps.layout(runDir, SegmentSteps.RECONCILE).definitionFile());
    int fanIn = ((Number) params.getOrDefault("mergeFanIn", 8)).intValue();
    List<Long> rounds = ReconcileMergePlanner.rounds(rec.plan().units().unitCount(), fanIn);
    long units = rounds.stream().mapToLong(Long::longValue).sum();
    TaskDefinition d =
        definition(
            runDir,
            SegmentSteps.MERGE,
            new UnitSpace(ReconcileMergePlanner.KIND, units, null, "test", rounds),
            params);
    d.write(SegmentSteps.layout(runDir, SegmentSteps.MERGE).definitionFile());
    return d;
  }

  /** segment.merge as runs planned before its rounds have it: one unit. */
  static TaskDefinition mergeOneUnit(Path runDir) throws Exception {
    TaskDefinition d = definition(runDir, SegmentSteps.MERGE, "merge", null, Map.of());
    d.write(SegmentSteps.layout(runDir, SegmentSteps.MERGE).definitionFile());
    return d;
  }

  /** Runs the reconciliation's shards, then their merge, round after round. */
  static void reconcileAndMerge(Path runDir, Map<String, Object> params) throws Exception {
    runAll(SegmentReconcileRunner::create, reconcile(runDir, params));
    runAll(SegmentMergeRunner::create, merge(runDir, params));
  }

  static TaskDefinition relabel(Path runDir, Vec3 volume, Vec3 block) {
    return definition(
        runDir,
        SegmentSteps.RELABEL,
        "block",
        new BlockGrid(volume, block, new Vec3(0, 0, 0)),
        Map.of("blockSize", java.util.List.of(block.x(), block.y(), block.z())));
  }

  /** Runs every unit of a step in one runner, like one task after another. */
  static void runAll(UnitRunnerFactory factory, TaskDefinition def) throws Exception {
    StepLayout layout = SegmentSteps.layout(Path.of(def.runDir()), def.step());
    try (UnitRunner r = factory.create(def, layout)) {
      for (long u = 0; u < def.plan().units().unitCount(); u++) {
        r.run(new UnitContext(def, layout, u, u / 2, 1));
      }
    }
  }
}
