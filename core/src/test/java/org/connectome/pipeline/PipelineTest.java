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
    return spec("stitch", stitchParams, null);
  }

  /** All seven stages, {@code stageParams} on stage {@code withParams}. */
  static RunSpec spec(String withParams, Map<String, Object> stageParams, String acquisition) {
    List<StageSpec> stages = new ArrayList<>();
    for (String s :
        List.of("ingest", "stitch", "align", "segment", "synapses", "compress", "mesh")) {
      stages.add(stage(s, s.equals(withParams) ? stageParams : Map.of()));
    }
    return new RunSpec(
        "s1",
        "r1",
        null,
        acquisition,
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
  void anOffChainStepLeavesTheChainHashesAfterItAsWithoutIt() {
    List<StepConfig> all = Pipeline.steps(spec(Map.of()), Pipeline.HashScheme.CHAIN);
    List<StepConfig> without =
        Pipeline.without(
                Pipeline.stages(spec(Map.of()), Pipeline.HashScheme.CHAIN), "synapses.index")
            .stream()
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

  /** The steps whose hash differs between {@code a} and {@code b}, in plan order. */
  private static List<String> changed(RunSpec a, RunSpec b) {
    List<StepConfig> x = Pipeline.steps(a);
    List<StepConfig> y = Pipeline.steps(b);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      assertEquals(x.get(i).qualifiedName(), y.get(i).qualifiedName());
      if (!x.get(i).paramsHash().equals(y.get(i).paramsHash())) {
        out.add(x.get(i).qualifiedName());
      }
    }
    return out;
  }

  @Test
  void aSynapseDetectionParameterRerunsTheSynapseStepsOnly() {
    assertEquals(
        List.of("synapses.detect", "synapses.index"),
        changed(spec("synapses", Map.of(), null), spec("synapses", Map.of("minScore", 0.7), null)));
  }

  @Test
  void anAlignmentParameterRerunsAlignmentAndEverythingMadeFromItButNothingBefore() {
    List<String> all =
        Pipeline.steps(spec(Map.of())).stream().map(StepConfig::qualifiedName).toList();
    assertEquals(
        all.subList(all.indexOf("align.pairs"), all.size()),
        changed(spec("align", Map.of(), null), spec("align", Map.of("minMatches", 3), null)));
  }

  @Test
  void aCompressionParameterRerunsCompressionOnlyNotTheMeshes() {
    List<String> changed =
        changed(
            spec("compress", Map.of(), null), spec("compress", Map.of("jpegQuality", 80), null));
    assertEquals(true, changed.contains("compress.image"));
    assertEquals(true, changed.contains("compress.pyramid1"));
    assertEquals(
        List.of(),
        changed.stream().filter(n -> !n.startsWith("compress.")).toList(),
        "meshes and synapses read nothing compress writes");
  }

  @Test
  void anotherAcquisitionRerunsIngestAndWhatIsMadeFromIt() {
    List<String> changed =
        changed(spec("ingest", Map.of(), "/data/a/S1"), spec("ingest", Map.of(), "/data/b/S1"));
    assertEquals("ingest.ingest", changed.get(0));
    assertEquals(
        List.of(),
        changed(spec("ingest", Map.of(), "/data/a/S1"), spec("ingest", Map.of(), "/data/a/./S1")),
        "the same folder written two ways is the same acquisition");
  }

  @Test
  void runsStartedBeforeTheGraphKeepTheirChainHashes() {
    // values the linear hash gave before the graph existed: their markers must still count
    List<StepConfig> chain = Pipeline.steps(spec(Map.of()), Pipeline.HashScheme.CHAIN);
    assertEquals("8eb4364d8f494faa", chain.get(0).paramsHash());
    assertEquals("7dd97ede4b5cd7d2", chain.get(12).paramsHash()); // after segment.merge
    assertEquals("83ba40feef0b400f", chain.get(chain.size() - 1).paramsHash());
    assertNotEquals(chain.get(0).paramsHash(), Pipeline.steps(spec(Map.of())).get(0).paramsHash());
  }

  @Test
  void eachStepWaitsForExactlyTheStepsItReads() {
    Map<String, List<String>> waits =
        Pipeline.waitsFor(Pipeline.stages(spec(Map.of())), Pipeline.HashScheme.DAG);
    assertEquals(List.of("align.render"), waits.get("compress.image"));
    assertEquals(List.of(), waits.get("ingest.ingest"));
    assertEquals(
        List.of("compress.image", "compress.segmentation"), waits.get("compress.pyramid1"));
    assertEquals(List.of("compress.pyramid1"), waits.get("compress.pyramid2"));
    assertEquals(List.of("segment.merge", "segment.relabel"), waits.get("mesh.blocks"));
    Map<String, List<String>> chain =
        Pipeline.waitsFor(Pipeline.stages(spec(Map.of())), Pipeline.HashScheme.CHAIN);
    assertEquals(List.of("synapses.index"), chain.get("compress.image"));
    assertEquals(List.of("segment.inference", "segment.merge"), waits.get("segment.relabel"));
    // runs started before segment.merge: what read it waits for what it reads, as then
    Map<String, List<String>> before =
        Pipeline.waitsFor(
            Pipeline.without(Pipeline.stages(spec(Map.of())), "segment.merge"),
            Pipeline.HashScheme.DAG);
    assertEquals(List.of("segment.inference", "segment.reconcile"), before.get("segment.relabel"));
    assertEquals(
        List.of("segment.reconcile", "segment.relabel"), before.get("compress.segmentation"));
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
