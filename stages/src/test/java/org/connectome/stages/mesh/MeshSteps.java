package org.connectome.stages.mesh;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.stages.segment.SegmentReconcileRunner;
import org.connectome.stages.segment.SegmentSteps;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitRunner;
import org.connectome.tasks.UnitRunnerFactory;
import org.connectome.units.Grouping;

/** Test helper: the mesh steps' definitions as the planners write them, and running their units. */
public final class MeshSteps {
  private MeshSteps() {}

  /**
   * mesh.blocks filing its blocks for {@code params.mergeShards} merge units (16 unless given), of
   * legacy meshes unless {@code params} names a format: what a mesh stage's params give both steps.
   */
  static TaskDefinition blocks(
      Path runDir, Vec3 volume, Vec3 block, Vec3 overlap, Map<String, Object> params) {
    params = legacyUnlessNamed(params);
    BlockGrid grid = new BlockGrid(volume, block, overlap);
    UnitSpace units = new UnitSpace("block", grid.blockCount(), grid, "test");
    return new TaskDefinition(
        "sample/r1",
        "mesh",
        "blocks",
        "reference",
        params,
        "h1",
        "test",
        new StepPlan(units, new Grouping(grid.blockCount(), 4, 100)),
        runDir.toString(),
        null,
        null,
        new org.connectome.spec.VoxelSize(8, 8, 33));
  }

  /** mesh.merge writing legacy meshes unless {@code params} names a format. */
  /** Runs mesh.blocks and mesh.merge over the run's segmentation. */
  public static void meshAll(
      Path runDir, Vec3 volume, Vec3 block, Map<String, Object> params, long shards)
      throws Exception {
    params = withShards(params, shards);
    runAll(MeshBlocksRunner::create, blocks(runDir, volume, block, new Vec3(1, 1, 1), params));
    runAll(MeshMergeRunner::create, merge(runDir, shards, params));
  }

  static TaskDefinition merge(Path runDir, long shards, Map<String, Object> params) {
    UnitSpace units = new UnitSpace("segment-shard", shards, null, "test");
    params = legacyUnlessNamed(withShards(params, shards));
    return new TaskDefinition(
        "sample/r1",
        "mesh",
        "merge",
        "reference",
        params,
        "h2",
        "test",
        new StepPlan(units, new Grouping(shards, 2, 100)),
        runDir.toString(),
        null,
        null,
        new org.connectome.spec.VoxelSize(8, 8, 33));
  }

  /** {@code params} with {@code mergeShards}: the stage's params, which both steps read. */
  static Map<String, Object> withShards(Map<String, Object> params, long shards) {
    Map<String, Object> out = new java.util.LinkedHashMap<>(params);
    out.put("mergeShards", (int) shards);
    return out;
  }

  private static Map<String, Object> legacyUnlessNamed(Map<String, Object> params) {
    if (params.containsKey("format")) {
      return params;
    }
    Map<String, Object> out = new java.util.LinkedHashMap<>(params);
    out.put("format", "legacy");
    return out;
  }

  /**
   * Writes the segment count where segment.merge's summary has it (the mesh steps' sharding reads
   * it), as a reconcile of one unit would.
   */
  public static void writeSummary(Path runDir, long segments) throws Exception {
    Path dir = SegmentSteps.reconciled(runDir);
    java.nio.file.Files.createDirectories(dir);
    org.connectome.pipeline.Json.mapper()
        .writeValue(
            dir.resolve(SegmentReconcileRunner.SUMMARY).toFile(),
            new SegmentReconcileRunner.Summary(0, segments, segments, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  }

  static StepLayout layout(TaskDefinition def) {
    return new StepLayout(
        Path.of(def.runDir()).resolve("stages").resolve(def.stage()).resolve(def.step()));
  }

  /**
   * Writes the step definition (as the planner does) and runs the given units with one runner, like
   * one task.
   */
  static void run(UnitRunnerFactory factory, TaskDefinition def, List<Long> units)
      throws Exception {
    StepLayout layout = layout(def);
    def.write(layout.definitionFile());
    try (UnitRunner r = factory.create(def, layout)) {
      for (long u : units) {
        r.run(new UnitContext(def, layout, u, 0, 1));
      }
    }
  }

  static void runAll(UnitRunnerFactory factory, TaskDefinition def) throws Exception {
    run(
        factory,
        def,
        java.util.stream.LongStream.range(0, def.plan().units().unitCount()).boxed().toList());
  }

  /**
   * Writes a global segmentation as segment.relabel does: raw uint64, one scale, the given chunk
   * size.
   */
  static void writeSegmentation(Path runDir, LabelVolume labels, int[] chunk) throws Exception {
    long[] size = {labels.sx(), labels.sy(), labels.sz()};
    PrecomputedVolume s =
        PrecomputedVolume.create(
            RunVolumes.segmentation(runDir),
            VolumeInfo.of(
                VolumeInfo.SEGMENTATION,
                DataType.UINT64,
                1,
                List.of(
                    VolumeInfo.Scale.of(
                        size, new double[] {8, 8, 33}, chunk, Encoding.RAW, null))));
    s.writeLabels(0, new Box(new Vec3(0, 0, 0), new Vec3(size[0], size[1], size[2])), labels);
    writeSummary(
        runDir, java.util.Arrays.stream(labels.data()).filter(v -> v != 0).distinct().count());
  }
}
