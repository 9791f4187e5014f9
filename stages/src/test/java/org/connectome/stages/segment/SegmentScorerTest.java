package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.SimulatedRun;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.report.ReportContext;
import org.connectome.stages.report.SegmentScorer;
import org.connectome.stages.report.StageScorer;
import org.connectome.stages.report.truth.TruthVolume;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on the simulator's smoke sample: stitched, aligned, rendered, then segmented by the
 * four steps in subvolumes; the report's segmentation score against the ground truth. The scorer
 * itself is checked on segmentations whose figures are known: the truth itself (0) and one segment
 * for everything (split 0, merge = the truth's entropy).
 */
class SegmentScorerTest {
  @TempDir static Path dir;
  static SimulatedRun run;
  static ReportContext ctx;
  static TruthVolume truth;
  static Vec3 volume;

  @BeforeAll
  static void segmentSmokeSample() throws Exception {
    run = SimulatedRun.alignedSmokeWithLabels(dir);
    ctx = run.reportContext();
    truth = TruthVolume.load(ctx).orElseThrow();
    volume = new Vec3(truth.width(), truth.height(), truth.depth());
    Vec3 sub = new Vec3(160, 160, truth.depth());
    var inference =
        SegmentStepRuns.inference(run.runDir, volume, sub, new Vec3(24, 24, 0), Map.of());
    SegmentStepRuns.runAll(SegmentInferenceRunner::create, inference);
    SegmentStepRuns.runAll(
        SegmentOverlapsRunner::create, SegmentStepRuns.overlaps(run.runDir, inference, Map.of()));
    SegmentStepRuns.reconcileAndMerge(run.runDir, Map.of());
    SegmentStepRuns.runAll(
        SegmentRelabelRunner::create, SegmentStepRuns.relabel(run.runDir, volume, sub));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> groundTruth() throws Exception {
    Map<String, Object> q = new SegmentScorer().score(ctx).orElseThrow();
    return (Map<String, Object>) q.get("groundTruth");
  }

  @Test
  void theReferenceSegmentationOfTheSmokeSampleMeetsTheGoal() throws Exception {
    Map<String, Object> q = new SegmentScorer().score(ctx).orElseThrow();
    @SuppressWarnings("unchecked")
    Map<String, Object> gt = (Map<String, Object>) q.get("groundTruth");
    assertEquals("bits", gt.get("units"));
    double vi = (double) gt.get("vi");
    System.out.println("smoke segmentation: " + q.get("summary"));
    assertTrue(vi < SegmentScorer.GOAL_VI, "VI " + vi + " " + gt);
    assertEquals(vi, (double) gt.get("viSplit") + (double) gt.get("viMerge"), 0.0011);
    assertTrue((double) gt.get("arand") < 0.1, gt.toString());
    assertTrue(q.get("summary").toString().startsWith("VI "), q.get("summary").toString());
    // the scorer is found by the report through its service file
    assertTrue(
        java.util.ServiceLoader.load(StageScorer.class).stream()
            .anyMatch(p -> p.type().equals(SegmentScorer.class)));
  }

  @Test
  void theTruthScoresZeroAndOneSegmentScoresTheTruthsEntropyAsMerge() throws Exception {
    Path saved = dir.resolve("saved-segmentation");
    java.nio.file.Files.move(RunVolumes.segmentation(run.runDir), saved);
    try {
      PrecomputedVolume v =
          PrecomputedVolume.create(
              RunVolumes.segmentation(run.runDir),
              SegmentRelabelRunner.info(
                  new org.connectome.pipeline.BlockGrid(volume, volume, new Vec3(0, 0, 0)),
                  new double[] {8, 8, 33}));
      Box all = new Box(new Vec3(0, 0, 0), volume);
      int plane = truth.width() * truth.height();
      LabelVolume labels = new LabelVolume(truth.width(), truth.height(), truth.depth());
      java.util.Map<Integer, Long> cellVoxels = new java.util.HashMap<>();
      long voxels = 0;
      for (int z = 0; z < truth.depth(); z++) {
        int[] t = truth.truthLabels(z);
        for (int i = 0; i < plane; i++) {
          labels.data()[z * plane + i] = t[i] == 0 ? 0 : 1000L + t[i];
          if (t[i] != 0) {
            cellVoxels.merge(t[i], 1L, Long::sum);
            voxels++;
          }
        }
      }
      v.writeLabels(0, all, labels);
      Map<String, Object> gt = groundTruth();
      assertEquals(0.0, (double) gt.get("vi"), 1e-9, gt.toString());
      assertEquals(0.0, (double) gt.get("arand"), 1e-9);
      assertEquals(cellVoxels.size(), gt.get("cells"));
      java.util.Arrays.fill(labels.data(), 7);
      v.writeLabels(0, all, labels);
      gt = groundTruth();
      double entropy = 0;
      for (long c : cellVoxels.values()) {
        double p = (double) c / voxels;
        entropy -= p * Math.log(p) / Math.log(2);
      }
      assertEquals(0.0, (double) gt.get("viSplit"), 1e-9);
      assertEquals(entropy, (double) gt.get("viMerge"), 0.001);
      assertEquals(1, gt.get("segments"));
    } finally {
      deleteTree(RunVolumes.segmentation(run.runDir));
      java.nio.file.Files.move(saved, RunVolumes.segmentation(run.runDir));
    }
  }

  static void deleteTree(Path p) throws Exception {
    try (var s = java.nio.file.Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.delete(f);
      }
    }
  }
}
