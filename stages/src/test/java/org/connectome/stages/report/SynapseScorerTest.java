package org.connectome.stages.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.SimulatedRun;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.stages.render.BlockSteps;
import org.connectome.stages.report.truth.TruthVolume;
import org.connectome.stages.synapses.SynapseDetectRunner;
import org.connectome.stages.synapses.SynapseIndex;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synapse score of the smoke sample (stitched, aligned, rendered), with a segmentation made
 * from the truth labels under other ids: crafted detections with known errors give known figures,
 * and the reference detector's own output scores.
 */
class SynapseScorerTest {
  /** Segment ids: truth cell ids moved above 2^33, so that the scorer has to map them back. */
  static final long SHIFT = 1L << 33;

  @TempDir static Path dir;
  static SimulatedRun run;
  static ReportContext ctx;
  static TruthVolume truth;

  @BeforeAll
  static void smokeRun() throws Exception {
    run = SimulatedRun.alignedSmokeWithLabels(dir);
    ctx = run.reportContext();
    truth = TruthVolume.load(ctx).orElseThrow();
    long[] size = {truth.width(), truth.height(), truth.depth()};
    PrecomputedVolume seg =
        PrecomputedVolume.create(
            RunVolumes.segmentation(run.runDir),
            VolumeInfo.of(
                VolumeInfo.SEGMENTATION,
                DataType.UINT64,
                1,
                List.of(
                    VolumeInfo.Scale.of(
                        size,
                        new double[] {8, 8, 33},
                        new int[] {truth.width(), truth.height(), 1},
                        Encoding.RAW,
                        null))));
    for (int z = 0; z < truth.depth(); z++) {
      int[] t = truth.truthLabels(z);
      LabelVolume l = new LabelVolume(truth.width(), truth.height(), 1);
      for (int i = 0; i < t.length; i++) {
        l.data()[i] = t[i] == 0 ? 0 : t[i] + SHIFT;
      }
      seg.writeLabels(
          0, new Box(new Vec3(0, 0, z), new Vec3(truth.width(), truth.height(), z + 1)), l);
    }
  }

  /** The truth synapses the run has image of, in the run's frame: {x, y, z, pre, post}. */
  static List<double[]> imagedTruth() throws Exception {
    List<double[]> out = new ArrayList<>();
    for (double[] r : SynapseScorer.readTruth(run.sim.groundTruth().resolve("synapses.tsv"))) {
      double[] at = truth.fromTruth(r[1], r[2], (int) r[3]);
      if (at != null
          && truth.covered((int) at[2], (int) Math.round(at[0]), (int) Math.round(at[1]))) {
        out.add(new double[] {at[0], at[1], at[2], r[4], r[5]});
      }
    }
    return out;
  }

  static void writeTable(List<String> rows) throws Exception {
    Path out = ctx.stepOutput("synapses", "detect").resolve(SynapseIndex.TABLE);
    Files.createDirectories(out.getParent());
    List<String> lines = new ArrayList<>();
    lines.add("id\tx\ty\tz\tscore\tpre\tpost\tcleft_voxels\tcontrast\tpre_vesicles\tpost_vesicles");
    for (int i = 0; i < rows.size(); i++) {
      lines.add((i + 1) + "\t" + rows.get(i) + "\t100\t5.0\t8\t0");
    }
    Files.write(out, lines, StandardCharsets.UTF_8);
  }

  static String row(double x, double y, int z, long pre, long post) {
    return String.format(Locale.ROOT, "%.2f\t%.2f\t%d\t0.900\t%d\t%d", x, y, z, pre, post);
  }

  @Test
  @SuppressWarnings("unchecked")
  void craftedDetectionsGiveTheExpectedFigures() throws Exception {
    List<double[]> t = imagedTruth();
    int n = t.size();
    assertTrue(n >= 4, "the smoke sample images " + n + " synapses");
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] s = t.get(i);
      long pre = (long) s[3] + SHIFT;
      long post = (long) s[4] + SHIFT;
      if (i == 0) {
        // 7 voxels off: no match, so one false positive and one miss
        rows.add(row(s[0] + 7, s[1], (int) s[2], pre, post));
      } else if (i == 1) {
        // matched with pre and post swapped
        rows.add(row(s[0] + 1, s[1] - 1, (int) s[2], post, pre));
      } else {
        rows.add(row(s[0] + 1, s[1] + 1, (int) s[2], pre, post));
      }
    }
    // far from any synapse
    rows.add(row(5, 5, 0, SHIFT + 1, SHIFT + 2));
    writeTable(rows);
    Map<String, Object> q = new SynapseScorer().score(ctx).orElseThrow();
    Map<String, Object> gt = (Map<String, Object>) q.get("groundTruth");
    assertEquals(n + 1, q.get("detections"));
    assertEquals(n - 1, gt.get("matched"));
    assertEquals(r3((n - 1.0) / (n + 1)), gt.get("precision"));
    assertEquals(r3((n - 1.0) / n), gt.get("recall"));
    assertEquals(r3((n - 2.0) / (n - 1)), gt.get("prePostCorrect"));
    assertEquals(1, gt.get("prePostSwapped"));
    assertEquals(r3(Math.sqrt(2)), (Double) gt.get("meanOffsetXyVoxels"), 0.01);
    // at twice the distance the detection 7 voxels off matches too
    assertEquals(n, ((Map<String, Object>) gt.get("looseMatch")).get("matched"));
    assertEquals(5.0, ((Map<String, Object>) gt.get("matchWithin")).get("xyVoxels"));
    assertEquals(40.0, ((Map<String, Object>) gt.get("matchWithin")).get("xyNm"));
    assertTrue(q.get("summary").toString().contains("precision"), q.get("summary").toString());
  }

  @Test
  @SuppressWarnings("unchecked")
  void theDetectorsOwnOutputScores() throws Exception {
    Vec3 volume = new Vec3(truth.width(), truth.height(), truth.depth());
    BlockSteps.runAll(
        SynapseDetectRunner::create,
        BlockSteps.definition(
            run.runDir,
            "synapses",
            "detect",
            volume,
            new Vec3(256, 256, truth.depth()),
            Map.of("index", "last-block")));
    Map<String, Object> q = new SynapseScorer().score(ctx).orElseThrow();
    Map<String, Object> gt = (Map<String, Object>) q.get("groundTruth");
    System.out.println("smoke sample synapses: " + q.get("summary"));
    assertEquals(
        SynapseIndex.readTables(ctx.stepOutput("synapses", "detect")).size(), q.get("detections"));
    assertTrue((Double) gt.get("recall") >= 0.7, gt.toString());
    assertTrue((Double) gt.get("precision") >= 0.6, gt.toString());
    // within twice the distance every synapse of the smoke sample is found, and hardly anything
    // else
    Map<String, Object> loose = (Map<String, Object>) gt.get("looseMatch");
    assertTrue((Double) loose.get("recall") >= 0.99, loose.toString());
    assertTrue((Double) loose.get("precision") >= 0.85, loose.toString());
    assertEquals(1.0, gt.get("prePostCorrect"), gt.toString());
  }

  private static double r3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
