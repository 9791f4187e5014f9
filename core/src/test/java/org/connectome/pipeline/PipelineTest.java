package org.connectome.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.connectome.spec.RunSpec;
import org.connectome.spec.StageSpec;
import org.connectome.spec.VolumeSpec;
import org.connectome.spec.VoxelSize;
import org.junit.jupiter.api.Test;

class PipelineTest {
  static StageSpec stage(String id, Map<String, Object> params) {
    return new StageSpec(
        id,
        "synthetic",
        params,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  static RunSpec spec(Map<String, Object> stitchParams) {
    List<StageSpec> stages = new ArrayList<>();
    for (String s :
        List.of("ingest", "stitch", "align", "segment", "synapses", "compress", "mesh")) {
      stages.add(stage(s, s.equals("stitch") ? stitchParams : Map.of()));
    }
    return new RunSpec(
        "s1",
        "r1",
        null,
        null,
        "/tmp/x",
        new VoxelSize(8, 8, 33),
        new VolumeSpec(10L, 2048L, 2048L, null, null),
        null,
        null,
        null,
        null,
        stages);
  }

  @Test
  void allElevenStepsInChainOrder() {
    List<String> names =
        Pipeline.steps(spec(Map.of())).stream().map(StepConfig::qualifiedName).toList();
    assertEquals(
        List.of(
            "ingest.ingest",
            "stitch.stitch",
            "align.pairs",
            "align.solve",
            "align.render",
            "segment.inference",
            "segment.overlaps",
            "segment.reconcile",
            "segment.merge",
            "segment.relabel",
            "synapses.detect",
            "synapses.index",
            "compress.image",
            "compress.segmentation",
            // 2048 x 2048 voxels in 64 x 64 chunks: sharded, five scales above scale 0
            "compress.pyramid1",
            "compress.pyramid2",
            "compress.pyramid3",
            "compress.pyramid4",
            "compress.pyramid5",
            "mesh.blocks",
            "mesh.merge"),
        names);
  }

  @Test
  void anOffChainStepLeavesTheHashesAfterItAsWithoutIt() {
    List<StepConfig> all = Pipeline.steps(spec(Map.of()));
    List<StepConfig> without =
        Pipeline.without(Pipeline.stages(spec(Map.of())), "synapses.index").stream()
            .flatMap(s -> s.steps().stream())
            .toList();
    assertEquals(all.size() - 1, without.size());
    List<String> hashes =
        all.stream()
            .filter(c -> !c.qualifiedName().equals("synapses.index"))
            .map(StepConfig::paramsHash)
            .toList();
    assertEquals(hashes, without.stream().map(StepConfig::paramsHash).toList());
    StepConfig detect =
        all.stream()
            .filter(c -> c.qualifiedName().equals("synapses.detect"))
            .findFirst()
            .orElseThrow();
    StepConfig compress =
        all.stream()
            .filter(c -> c.qualifiedName().equals("compress.image"))
            .findFirst()
            .orElseThrow();
    StepConfig index =
        all.stream()
            .filter(c -> c.qualifiedName().equals("synapses.index"))
            .findFirst()
            .orElseThrow();
    assertNotEquals(detect.paramsHash(), index.paramsHash());
    // compress chains on detect, not on the index: same as a spec whose stage lists no index step
    // would give
    assertEquals(without.get(without.indexOf(compress)).paramsHash(), compress.paramsHash());
  }

  @Test
  void changedParameterChangesThatStepAndEverythingDownstreamOnly() {
    List<StepConfig> a = Pipeline.steps(spec(Map.of("maxResidual", 1.0)));
    List<StepConfig> b = Pipeline.steps(spec(Map.of("maxResidual", 2)));
    List<StepConfig> same = Pipeline.steps(spec(Map.of("maxResidual", 1)));
    assertEquals(a.get(0).paramsHash(), b.get(0).paramsHash(), "ingest is upstream of the change");
    for (int i = 1; i < a.size(); i++) {
      assertNotEquals(a.get(i).paramsHash(), b.get(i).paramsHash(), a.get(i).qualifiedName());
    }
    for (int i = 0; i < a.size(); i++) {
      assertEquals(
          a.get(i).paramsHash(), same.get(i).paramsHash(), "1.0 and 1 are the same number");
    }
  }

  @Test
  void defaultsAndBudget() {
    StepConfig c = Pipeline.steps(spec(Map.of())).get(0);
    assertEquals(1, c.unitsPerTask());
    assertEquals(100, c.tasksPerShard());
    assertEquals(3, c.retry().maxAttempts());
    assertEquals(0, c.failureAllowance(1_000));
    assertEquals(
        "ingest",
        c.taskQueue(),
        "ingest shards go to the workers next to the microscope's storage");
    assertEquals("connectome", Pipeline.steps(spec(Map.of())).get(1).taskQueue());
  }

  @Test
  void canonicalJsonIgnoresKeyOrderAndNumberForm() {
    assertEquals(
        Json.canonical(Map.of("b", 2.0, "a", List.of(1, 2.50))),
        Json.canonical(Map.of("a", List.of(1.0, 2.5), "b", 2)));
    assertEquals(
        "{\"a\":[1,2.5],\"b\":2}", Json.canonical(Map.of("b", 2.0, "a", List.of(1, 2.50))));
  }

  @Test
  void blockGridWithOverlapIsClippedToTheVolume() {
    BlockGrid g =
        new BlockGrid(new Vec3(1000, 600, 70), new Vec3(512, 512, 64), new Vec3(32, 32, 8));
    assertEquals(new Vec3(2, 2, 2), g.gridSize());
    assertEquals(8, g.blockCount());
    assertEquals(new Vec3(1, 1, 1), g.position(7));
    assertEquals(new Box(new Vec3(512, 512, 64), new Vec3(1000, 600, 70)), g.core(7));
    assertEquals(new Box(new Vec3(480, 480, 56), new Vec3(1000, 600, 70)), g.withOverlap(7));
    assertEquals(new Box(new Vec3(0, 0, 0), new Vec3(544, 544, 70)), g.withOverlap(0));
    assertEquals("0-512_0-512_0-64", g.core(0).chunkName());
  }

  @Test
  void plannersSizeFromFacts() throws Exception {
    SampleFacts facts = new SampleFacts(48, new Vec3(2048, 2048, 48), "test");
    List<StepConfig> steps = Pipeline.steps(spec(Map.of()));
    assertEquals(48, plan(steps, "ingest.ingest", facts).unitCount());
    assertEquals(47, plan(steps, "align.pairs", facts).unitCount());
    assertEquals(1, plan(steps, "align.solve", facts).unitCount());
    assertEquals(8, plan(steps, "align.render", facts).unitCount()); // 1024x1024x32 blocks: 2x2x2
    assertEquals(16, plan(steps, "segment.inference", facts).unitCount()); // 4x4x1
    assertEquals(16, plan(steps, "mesh.merge", facts).unitCount());
  }

  private static UnitSpace plan(List<StepConfig> steps, String name, SampleFacts facts)
      throws Exception {
    StepConfig c =
        steps.stream().filter(s -> s.qualifiedName().equals(name)).findFirst().orElseThrow();
    return Planners.of(c.stage(), c.step()).plan(c, facts);
  }
}
