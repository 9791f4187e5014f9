package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.connectome.spec.VoxelSize;
import org.connectome.stages.RealVolumes;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.LabelVolume;
import org.junit.jupiter.api.Test;

/**
 * The segmentation on public real EM volumes with dense ground truth, beside the project: {@code
 * CX_REAL_VOLUMES} names a folder of volumes as {@code segment-training/real_volume.py} writes them
 * ({@code image.raw}, {@code labels.raw}, {@code volume.json}); the volumes are never committed, so
 * without it the test is skipped. Prints, per volume, variation of information (split, merge) and
 * adapted Rand error of the trained network's segmentation and of the baselines (one segment, the
 * network's watershed fragments without agglomeration, the earlier hand-tuned flood fill), and
 * fails unless the network beats every baseline. {@code CX_REAL_MODEL} names another ONNX file to
 * score in place of the shipped model (a retrained one); {@code CX_REAL_SWEEP} a list of merge
 * thresholds to print beside the default.
 */
class RealVolumeEvaluationTest {
  /**
   * A real volume; {@code perSection}: its truth is a 2D segmentation of each section (a membrane
   * mask's regions), so segmentations are scored section by section.
   */
  record Volume(String name, ByteVolume image, int[] truth, double[] voxelNm, boolean perSection) {}

  static Volume load(Path dir) throws IOException {
    JsonNode v = new ObjectMapper().readTree(dir.resolve("volume.json").toFile());
    int nx = v.get("size").get(0).asInt();
    int ny = v.get("size").get(1).asInt();
    int nz = v.get("size").get(2).asInt();
    byte[] img = Files.readAllBytes(dir.resolve("image.raw"));
    // the aligned volume's 0 means "not imaged": real grey 0 becomes 1
    for (int i = 0; i < img.length; i++) {
      if (img[i] == 0) {
        img[i] = 1;
      }
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("labels.raw")));
    b.order(ByteOrder.LITTLE_ENDIAN);
    int[] truth = new int[nx * ny * nz];
    b.asIntBuffer().get(truth);
    double[] voxel = new double[3];
    for (int i = 0; i < 3; i++) {
      voxel[i] = v.get("voxelSize").get(i).asDouble();
    }
    return new Volume(
        dir.getFileName().toString(),
        new ByteVolume(nx, ny, nz, 1, img),
        truth,
        voxel,
        v.path("truthPerSection").asBoolean(false));
  }

  static SegmentationMetrics.Result score(LabelVolume seg, Volume v) {
    long[] labels = seg.data();
    if (v.perSection()) {
      // a segment in several sections is one segment per section: the truth knows no links
      int plane = seg.sx() * seg.sy();
      labels = labels.clone();
      for (int i = 0; i < labels.length; i++) {
        labels[i] = labels[i] * seg.sz() + i / plane;
      }
    }
    SegmentationMetrics m = new SegmentationMetrics();
    m.addAll(labels, v.truth());
    return m.result();
  }

  static String row(String what, SegmentationMetrics.Result r, double seconds) {
    return String.format(
        Locale.ROOT,
        "| %s | %.2f | %.2f | %.2f | %.3f | %d | %s |",
        what,
        r.vi(),
        r.viSplit(),
        r.viMerge(),
        r.arand(),
        r.segments(),
        seconds < 0 ? "" : String.format(Locale.ROOT, "%.1f s", seconds));
  }

  @Test
  void theNetworkBeatsEveryBaselineOnRealVolumes() throws Exception {
    List<Path> dirs = RealVolumes.folders();
    List<String> failures = new ArrayList<>();
    System.out.println("| volume / method | VI | split | merge | adapted Rand | segments | time |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Path d : dirs) {
      Volume v = load(d);
      System.out.printf(
          Locale.ROOT,
          "| **%s** (%d x %d x %d, %.0f x %.0f x %.0f nm) | | | | | | |%n",
          v.name(),
          v.image().sx(),
          v.image().sy(),
          v.image().sz(),
          v.voxelNm()[0],
          v.voxelNm()[1],
          v.voxelNm()[2]);
      long[] one = new long[v.truth().length];
      java.util.Arrays.fill(one, 1);
      SegmentationMetrics.Result oneSeg =
          score(new LabelVolume(v.image().sx(), v.image().sy(), v.image().sz(), 1, one), v);
      System.out.println(row("one segment", oneSeg, -1));
      long t0 = System.nanoTime();
      SegmentationMetrics.Result flood =
          score(new FloodFillSegmenter(SegmentParams.DEFAULTS).segment(v.image()), v);
      System.out.println(
          row("hand-tuned flood fill (before)", flood, (System.nanoTime() - t0) / 1e9));
      // CX_REAL_MODEL: another ONNX file (a retrained model) in place of the shipped one
      String model = System.getenv("CX_REAL_MODEL");
      // views: auto, by the volume's voxel size, as the stage reads the spec's
      VoxelSize voxel = new VoxelSize(v.voxelNm()[0], v.voxelNm()[1], v.voxelNm()[2]);
      AffinityParams p =
          AffinityParams.of("eval", model == null ? Map.of() : Map.of("model", model), voxel);
      try (AffinitySegmenter s = new AffinitySegmenter(p)) {
        long t1 = System.nanoTime();
        AffinityModel.Prediction pred = s.predictOnly(v.image());
        double predSec = (System.nanoTime() - t1) / 1e9;
        AffinityParams frag =
            AffinityParams.of("eval", Map.of("mergeThreshold", 1, "minSize", 0), voxel);
        SegmentationMetrics.Result fragments =
            score(new AffinitySegmenter(frag, null).segment(v.image(), pred), v);
        System.out.println(row("watershed fragments of the network's boundaries", fragments, -1));
        long t2 = System.nanoTime();
        SegmentationMetrics.Result net = score(s.segment(v.image(), pred), v);
        double aggSec = (System.nanoTime() - t2) / 1e9;
        System.out.println(
            row(
                String.format(Locale.ROOT, "**network** (prediction %.1f s)", predSec),
                net,
                predSec + aggSec));
        if (p.views() == AffinityParams.Views.THREE) {
          // the sections alone beside it: what reading the other two orientations buys
          AffinityParams sections =
              AffinityParams.of(
                  "eval",
                  model == null
                      ? Map.of("views", "sections")
                      : Map.of("views", "sections", "model", model),
                  voxel);
          try (AffinitySegmenter xy = new AffinitySegmenter(sections)) {
            System.out.println(
                row("network, the sections alone", score(xy.segment(v.image()), v), -1));
          }
        }
        String sweep = System.getenv("CX_REAL_SWEEP");
        if (sweep != null) {
          for (String t : sweep.split(",")) {
            AffinityParams q =
                AffinityParams.of("eval", Map.of("mergeThreshold", Double.parseDouble(t)), voxel);
            System.out.println(
                row(
                    "mergeThreshold " + t,
                    score(new AffinitySegmenter(q, null).segment(v.image(), pred), v),
                    -1));
          }
        }
        for (SegmentationMetrics.Result base : List.of(oneSeg, flood, fragments)) {
          if (!(net.vi() < base.vi())) {
            failures.add(
                v.name() + ": VI " + net.vi() + " does not beat a baseline's " + base.vi());
          }
        }
      }
    }
    assertTrue(failures.isEmpty(), String.join("; ", failures));
  }
}
