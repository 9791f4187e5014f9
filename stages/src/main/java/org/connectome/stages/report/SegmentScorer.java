package org.connectome.stages.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.report.truth.TruthVolume;
import org.connectome.stages.segment.SegmentReconcileRunner;
import org.connectome.stages.segment.SegmentSteps;
import org.connectome.stages.segment.SegmentationMetrics;
import org.connectome.stages.stitch.Stats;

/**
 * Segmentation: the global segmentation {@code volumes/segmentation/} (segment.relabel) against the
 * ground-truth cells, voxel by voxel over the imaged voxels ({@link TruthVolume#truthLabels}: the
 * truth label of the tissue each run voxel shows, 0 where no tile imaged it, and those voxels are
 * left out). Figures ({@link SegmentationMetrics}): variation of information in <b>bits</b>, split
 * {@code H(seg | truth)} and merge {@code H(truth | seg)}, the adapted Rand error (1 - F-score of
 * Rand precision and recall, as CREMI), and the segments and true cells met in those voxels.
 * Unsegmented imaged voxels (label 0) count as one more segment. Without a ground truth: the
 * reconciliation's figures only. Goal on the demo: VI below 0.5 bits.
 */
public final class SegmentScorer implements StageScorer {
  /** Goal on the demo: total variation of information under 0.5 bits. */
  public static final double GOAL_VI = 0.5;

  @Override
  public String stage() {
    return "segment";
  }

  @Override
  public Optional<Map<String, Object>> score(ReportContext ctx) throws IOException {
    Path seg = RunVolumes.segmentation(ctx.runDir());
    Path reconcile = SegmentSteps.reconciled(ctx.runDir());
    boolean hasVolume = Files.isRegularFile(seg.resolve("info"));
    boolean hasSummary = Files.isRegularFile(reconcile.resolve(SegmentReconcileRunner.SUMMARY));
    if (!hasVolume && !hasSummary) {
      return Optional.empty();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    String summary = "";
    if (hasSummary) {
      SegmentReconcileRunner.Summary s = SegmentReconcileRunner.Summary.read(reconcile);
      m.put("segments", s.segments());
      m.put("subvolumes", s.subvolumes());
      m.put("localSegments", s.localSegments());
      m.put("segmentedVoxels", s.voxels());
      m.put("largestSegmentVoxels", s.largestSegment());
      m.put("overlapPairsJoined", s.joined());
      m.put("overlapPairsRejected", s.rejected());
      summary =
          String.format(
              Locale.ROOT,
              "%d segments from %d subvolumes (%d local, %d overlap pairs joined, %d "
                  + "kept apart)",
              s.segments(),
              s.subvolumes(),
              s.localSegments(),
              s.joined(),
              s.rejected());
    }
    if (!hasVolume) {
      m.put("summary", summary + "; no volumes/segmentation yet");
      return Optional.of(m);
    }
    Optional<TruthVolume> tv = TruthVolume.load(ctx);
    if (tv.isPresent()) {
      Map<String, Object> gt = againstTruth(PrecomputedVolume.open(seg), tv.get());
      m.put("groundTruth", gt);
      summary =
          String.format(
                  Locale.ROOT,
                  "VI %.3f bits (split %.3f, merge %.3f; goal < %.1f: %s), adapted Rand "
                      + "error %.3f, %d segments vs %d true cells in the imaged voxels; ",
                  gt.get("vi"),
                  gt.get("viSplit"),
                  gt.get("viMerge"),
                  GOAL_VI,
                  Boolean.TRUE.equals(gt.get("goalMet")) ? "met" : "MISSED",
                  gt.get("arand"),
                  gt.get("segments"),
                  gt.get("cells"))
              + summary;
    }
    m.put("summary", summary.isEmpty() ? "volumes/segmentation present" : summary);
    return Optional.of(m);
  }

  /** The figures of a segmentation volume against the truth, plane by plane. */
  static Map<String, Object> againstTruth(PrecomputedVolume seg, TruthVolume truth)
      throws IOException {
    long[] size = seg.info().scale(0).size();
    if (size[0] != truth.width() || size[1] != truth.height() || size[2] != truth.depth()) {
      throw new IOException(
          "volumes/segmentation is "
              + size[0]
              + " x "
              + size[1]
              + " x "
              + size[2]
              + " but the aligned volume "
              + truth.width()
              + " x "
              + truth.height()
              + " x "
              + truth.depth());
    }
    SegmentationMetrics metrics = new SegmentationMetrics();
    truth.overlap(seg, (segment, cell) -> metrics.add(segment, cell & 0xffffffffL, 1));
    SegmentationMetrics.Result r = metrics.result();
    Map<String, Object> gt = new LinkedHashMap<>();
    gt.put("units", "bits");
    gt.put("vi", Stats.r3(r.vi()));
    gt.put("viSplit", Stats.r3(r.viSplit()));
    gt.put("viMerge", Stats.r3(r.viMerge()));
    gt.put("arand", Stats.r3(r.arand()));
    gt.put("randPrecision", Stats.r3(r.precision()));
    gt.put("randRecall", Stats.r3(r.recall()));
    gt.put("voxels", metrics.voxels());
    gt.put("segments", r.segments());
    gt.put("cells", r.cells());
    gt.put("goalVi", GOAL_VI);
    gt.put("goalMet", r.vi() < GOAL_VI);
    return gt;
  }
}
