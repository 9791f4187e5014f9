package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Json;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four segment steps on synthetic tissue cut into 3 x 2 x 2 subvolumes with overlap, the
 * reference inference writing FFN's files: the global segmentation must find the known cells (a
 * long one across three subvolumes included), count voxels exactly, and give identical files when
 * rerun.
 */
class SegmentChainTest {
  static final Vec3 VOLUME = new Vec3(240, 180, 8);
  static final Vec3 SUBVOLUME = new Vec3(80, 90, 4);
  static final Vec3 OVERLAP = new Vec3(16, 16, 2);
  static final Vec3 BLOCK = new Vec3(80, 90, 4);

  @TempDir static Path runDir;
  static SyntheticTissue tissue;
  static TaskDefinition inference;
  static LabelVolume global;

  @BeforeAll
  static void segment() throws Exception {
    SyntheticTissue.Options o = new SyntheticTissue.Options();
    o.bandY = 84;
    o.bandHeight = 18;
    tissue = SyntheticTissue.generate(240, 180, 8, o);
    writeAligned(runDir, tissue);
    // the chain's subject is reconciliation across subvolumes: the hand-tuned flood fill segments
    // this small synthetic tissue; the network is tested by AffinitySegmenterTest,
    // AffinityModelTest
    // and on the demo
    inference =
        SegmentStepRuns.inference(
            runDir, VOLUME, SUBVOLUME, OVERLAP, Map.of("method", "flood-fill"));
    SegmentStepRuns.runAll(SegmentInferenceRunner::create, inference);
    SegmentStepRuns.runAll(
        SegmentOverlapsRunner::create, SegmentStepRuns.overlaps(runDir, inference, Map.of()));
    SegmentStepRuns.reconcileAndMerge(runDir, Map.of());
    SegmentStepRuns.runAll(
        SegmentRelabelRunner::create, SegmentStepRuns.relabel(runDir, VOLUME, BLOCK));
    global =
        PrecomputedVolume.open(RunVolumes.segmentation(runDir))
            .readLabels(0, new Box(new Vec3(0, 0, 0), VOLUME));
  }

  static void writeAligned(Path runDir, SyntheticTissue t) throws Exception {
    PrecomputedVolume a =
        PrecomputedVolume.create(
            RunVolumes.aligned(runDir),
            VolumeInfo.of(
                VolumeInfo.IMAGE,
                DataType.UINT8,
                1,
                List.of(
                    VolumeInfo.Scale.of(
                        new long[] {t.nx, t.ny, t.nz},
                        new double[] {8, 8, 33},
                        new int[] {120, 90, 8},
                        Encoding.RAW,
                        null))));
    a.writeImage(0, new Box(new Vec3(0, 0, 0), new Vec3(t.nx, t.ny, t.nz)), t.image);
  }

  @Test
  void inferenceWritesOneFfnFilePerSubvolume() throws Exception {
    BlockGrid grid = inference.plan().units().grid();
    assertEquals(12, grid.blockCount());
    for (long u = 0; u < grid.blockCount(); u++) {
      Box box = grid.withOverlap(u);
      Path f = FfnSubvolumes.segmentationPath(SegmentSteps.inferenceOutput(runDir), box);
      assertTrue(Files.isRegularFile(f), f.toString());
      Npz.Header h = Npz.list(f).get(FfnSubvolumes.SEGMENTATION);
      assertArrayEquals(new long[] {box.size().z(), box.size().y(), box.size().x()}, h.shape());
    }
    // the subvolume at grid (1, 0, 1) starts 16 px before its core in x and y, 2 sections before in
    // z
    assertTrue(
        Files.isRegularFile(SegmentSteps.inferenceOutput(runDir).resolve("64/0/seg-64_0_2.npz")));
  }

  @Test
  void theGlobalSegmentationFindsTheCellsAcrossSubvolumes() {
    SegmentationMetrics.Result r = tissue.scoreInside(global.data(), 12);
    // as good as one subvolume over the whole volume (split 0.095, merge 0.101 here: boundary
    // voxels and slivers)
    assertTrue(r.viSplit() < 0.12, "split " + r.viSplit());
    assertTrue(r.viMerge() < 0.12, "merge " + r.viMerge());
    // no two cells share a segment, no cell is cut at a subvolume boundary (a cut gives shares of
    // 0.5 to 0.7; a
    // cell narrowed to a few px next to the band loses up to 13 % of its voxels to it, subvolumes
    // or not)
    tissue
        .majorityShares(global.data(), 12, 500)
        .forEach((cell, share) -> assertTrue(share > 0.85, "cell " + cell + ": " + share));
    // the band crosses all three subvolumes in x (and both in z): one segment
    int band = tissue.truth[120 + 240 * 92];
    Map<Long, Integer> votes = new HashMap<>();
    int n = 0;
    for (int i = 0; i < tissue.truth.length; i++) {
      if (tissue.truth[i] == band) {
        votes.merge(global.data()[i], 1, Integer::sum);
        n++;
      }
    }
    int top = votes.values().stream().max(Integer::compare).orElseThrow();
    assertTrue(top > 0.97 * n, "the band is split: " + votes);
  }

  @Test
  void voxelCountsAreExactSumsOfTheCoresAndPropertiesListEverySegment() throws Exception {
    Map<Long, Long> counted = new HashMap<>();
    long imaged = 0;
    for (int i = 0; i < tissue.truth.length; i++) {
      long v = global.data()[i];
      assertTrue(v > 0 || tissue.truth[i] == 0, "imaged voxel " + i + " unsegmented");
      if (v != 0) {
        counted.merge(v, 1L, Long::sum);
        imaged++;
      }
    }
    Path out = SegmentSteps.reconciled(runDir);
    Map<Long, Long> listed = new HashMap<>();
    for (long[] row : SegmentReconcileRunner.readSegments(out, reconcileShards())) {
      listed.put(row[0], row[1]);
    }
    assertEquals(counted, listed);
    assertEquals(listed.size(), Collections.max(listed.keySet()), "dense ids from 1");
    SegmentReconcileRunner.Summary s = SegmentReconcileRunner.Summary.read(out);
    assertEquals(imaged, s.voxels());
    assertEquals(listed.size(), s.segments());
    JsonNode props =
        Json.mapper()
            .readTree(
                RunVolumes.neuroglancerSegmentation(runDir)
                    .resolve("segment_properties/info")
                    .toFile());
    assertEquals("neuroglancer_segment_properties", props.path("@type").asText());
    JsonNode ids = props.path("inline").path("ids");
    assertEquals(listed.size(), ids.size());
    JsonNode voxels = props.path("inline").path("properties").get(1);
    assertEquals("voxels", voxels.path("id").asText());
    for (int i = 0; i < ids.size(); i++) {
      assertEquals(
          (double) listed.get(Long.parseLong(ids.get(i).asText())),
          voxels.path("values").get(i).asDouble());
    }
    VolumeInfo info = PrecomputedVolume.open(RunVolumes.segmentation(runDir)).info();
    assertEquals(DataType.UINT64, info.dataType());
    assertArrayEquals(new int[] {80, 90, 4}, info.scale(0).chunkSize());
    assertArrayEquals(new double[] {8, 8, 33}, info.scale(0).resolution());
  }

  @Test
  void rerunningStepsRewritesIdenticalFiles() throws Exception {
    Map<Path, byte[]> before =
        files(runDir.resolve("stages/segment"), runDir.resolve(RunVolumes.SEGMENTATION));
    SegmentStepRuns.runAll(SegmentInferenceRunner::create, inference);
    SegmentStepRuns.runAll(
        SegmentOverlapsRunner::create, SegmentStepRuns.overlaps(runDir, inference, Map.of()));
    SegmentStepRuns.reconcileAndMerge(runDir, Map.of());
    SegmentStepRuns.runAll(
        SegmentRelabelRunner::create, SegmentStepRuns.relabel(runDir, VOLUME, BLOCK));
    Map<Path, byte[]> after =
        files(runDir.resolve("stages/segment"), runDir.resolve(RunVolumes.SEGMENTATION));
    assertEquals(before.keySet(), after.keySet(), "no file more or less, no temporary file left");
    for (Path p : before.keySet()) {
      if (!p.endsWith(SegmentReconcileRunner.SUMMARY)) { // the summary holds the time taken
        assertArrayEquals(before.get(p), after.get(p), p.toString());
      }
    }
  }

  /**
   * Reconciliation in shards (one subvolume each with two per merge node: four merge levels; five
   * with three per node) writes the same maps and segment list, ids included, as one union-find
   * over all twelve subvolumes, whether the merge runs in rounds or as the one unit of a run
   * planned before them; and so does the one reconcile unit of a run planned before the shards.
   */
  @Test
  void shardedReconciliationGivesTheSameSegmentation() throws Exception {
    Map<Path, byte[]> whole = reconcileOutputs(Map.of());
    try {
      for (Map<String, Object> p :
          List.<Map<String, Object>>of(
              Map.of("shardSubvolumes", 1, "mergeFanIn", 2),
              Map.of("shardSubvolumes", 5, "mergeFanIn", 3))) {
        assertSameFiles(whole, reconcileOutputs(p), p.toString());
        SegmentStepRuns.runAll(SegmentMergeRunner::create, SegmentStepRuns.mergeOneUnit(runDir));
        assertSameFiles(
            whole,
            outputs(SegmentSteps.reconciled(runDir), reconcileShards()),
            p + ", merged in one unit");
      }
      SegmentStepRuns.runAll(
          SegmentReconcileRunner::create, SegmentStepRuns.reconcileOneUnit(runDir, Map.of()));
      assertSameFiles(
          whole,
          outputs(SegmentSteps.layout(runDir, SegmentSteps.RECONCILE).outputDir(), 1),
          "one unit");
    } finally {
      Files.walk(SegmentSteps.layout(runDir, SegmentSteps.RECONCILE).outputDir())
          .sorted(java.util.Comparator.reverseOrder())
          .forEach(p -> p.toFile().delete());
      reconcileOutputs(Map.of());
    }
  }

  private static void assertSameFiles(Map<Path, byte[]> a, Map<Path, byte[]> b, String what) {
    assertEquals(a.keySet(), b.keySet(), what);
    for (Path f : a.keySet()) {
      assertArrayEquals(a.get(f), b.get(f), f + " with " + what);
    }
  }

  /** Runs the reconciliation's shards and merge; their maps and segment list. */
  private static Map<Path, byte[]> reconcileOutputs(Map<String, Object> params) throws Exception {
    SegmentStepRuns.reconcileAndMerge(runDir, params);
    return outputs(SegmentSteps.reconciled(runDir), reconcileShards());
  }

  /** Shards of the reconciliation last planned. */
  private static long reconcileShards() throws Exception {
    return TaskDefinition.read(SegmentSteps.layout(runDir, SegmentSteps.RECONCILE).definitionFile())
        .plan()
        .units()
        .unitCount();
  }

  /** The maps and the segment list in {@code out} (of as many parts as shards), by path. */
  private static Map<Path, byte[]> outputs(Path out, long shards) throws Exception {
    Map<Path, byte[]> all = new java.util.TreeMap<>();
    for (Map.Entry<Path, byte[]> e : files(out.resolve("maps")).entrySet()) {
      all.put(out.relativize(e.getKey()), e.getValue());
    }
    StringBuilder segments = new StringBuilder();
    for (long[] row : SegmentReconcileRunner.readSegments(out, shards)) {
      segments.append(row[0]).append('\t').append(row[1]).append('\n');
    }
    all.put(Path.of("segments"), segments.toString().getBytes(StandardCharsets.UTF_8));
    return all;
  }

  @Test
  void badParametersNameTheField() {
    BadDefinitionException e =
        assertThrows(
            BadDefinitionException.class,
            () ->
                SegmentReconcileRunner.create(
                    SegmentStepRuns.reconcile(runDir, Map.of("minOverlapFraction", 2)), null));
    assertTrue(e.getMessage().contains("params.minOverlapFraction"), e.getMessage());
    e =
        assertThrows(
            BadDefinitionException.class,
            () ->
                SegmentInferenceRunner.create(
                    SegmentStepRuns.definition(
                        runDir,
                        SegmentSteps.INFERENCE,
                        "subvolume",
                        inference.plan().units().grid(),
                        Map.of("method", "flood-fill", "membraneThreshold", "dark")),
                    null));
    assertTrue(e.getMessage().contains("params.membraneThreshold"), e.getMessage());
    e =
        assertThrows(
            BadDefinitionException.class,
            () ->
                SegmentInferenceRunner.create(
                    SegmentStepRuns.definition(
                        runDir,
                        SegmentSteps.INFERENCE,
                        "subvolume",
                        inference.plan().units().grid(),
                        Map.of("mergeThreshold", 2)),
                    null));
    assertTrue(e.getMessage().contains("params.mergeThreshold"), e.getMessage());
    // overlaps planned on other subvolumes than the inference wrote
    e =
        assertThrows(
            BadDefinitionException.class,
            () ->
                SegmentOverlapsRunner.create(
                    SegmentStepRuns.definition(
                        runDir,
                        SegmentSteps.OVERLAPS,
                        "subvolume",
                        new BlockGrid(VOLUME, new Vec3(512, 512, 64), OVERLAP),
                        Map.of()),
                    null));
    assertTrue(e.getMessage().contains("subvolumeSize"), e.getMessage());
  }

  static Map<Path, byte[]> files(Path... roots) throws Exception {
    Map<Path, byte[]> out = new java.util.TreeMap<>();
    for (Path root : roots) {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p :
            s.filter(Files::isRegularFile)
                .filter(p -> !p.toString().contains("/markers/"))
                .toList()) {
          out.put(p, Files.readAllBytes(p));
        }
      }
    }
    return out;
  }
}
