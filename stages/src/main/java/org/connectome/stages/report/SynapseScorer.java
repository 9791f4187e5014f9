package org.connectome.stages.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.report.truth.TruthVolume;
import org.connectome.stages.segment.LongCounts;
import org.connectome.stages.synapses.Site;
import org.connectome.stages.synapses.SynapseIndex;

/**
 * Synapses: the sites {@code synapses.detect} found ({@code output/synapses.tsv} or its parts
 * {@code synapses-<u>-of-<n>.tsv}), and against the ground truth ({@code synapses.tsv} of the
 * simulator, cleft centres mapped into the run's aligned frame with {@link TruthVolume#fromTruth})
 * precision, recall and F1 of a one-to-one matching, and the share of matched sites whose pre- and
 * post-synaptic segments are right.
 *
 * <p>A detection matches a true synapse within {@value #MATCH_XY_VOXELS} voxels in the section
 * plane and {@value #MATCH_Z_SECTIONS} section (at the run's voxel size, stated in nm in the
 * report); pairs are taken closest first (physical distance), each detection and each synapse at
 * most once. True synapses whose centre the run has no image of (a missing tile, outside the
 * stitched area) cannot be found and are left out of recall (counted as {@code notImaged}). The
 * same figures at twice the distance ({@code looseMatch}) tell how many of the misses are
 * localisation errors. A detection's segment is right when the ground-truth cell that overlaps that
 * segment most (voxel counts of {@code volumes/segmentation/} against {@link
 * TruthVolume#truthLabels}) is the true cell.
 */
public final class SynapseScorer implements StageScorer {
  /** Matching distance in the section plane, voxels. */
  public static final double MATCH_XY_VOXELS = 5;

  /** Matching distance across sections. */
  public static final int MATCH_Z_SECTIONS = 1;

  /**
   * The secondary, looser matching distance (this many times the first) reported beside, to tell
   * localisation errors (a synapse found a few voxels or sections away) from missed and false ones.
   */
  public static final int LOOSE_FACTOR = 2;

  /** Goal on the demo: F1 above 0.8. */
  public static final double GOAL_F1 = 0.8;

  @Override
  public String stage() {
    return "synapses";
  }

  /** A true synapse in the run's frame. */
  record Truth(int id, double x, double y, int z, int pre, int post) {}

  @Override
  public Optional<Map<String, Object>> score(ReportContext ctx) throws IOException {
    List<SynapseIndex.Entry> found;
    try {
      // synapses.tsv, or the parts of an index built by many units
      found = SynapseIndex.readTables(ctx.stepOutput("synapses", "detect"));
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("detections", found.size());
    long withPrePost =
        found.stream().filter(e -> e.site().pre() != 0 && e.site().post() != 0).count();
    m.put("withPreAndPost", withPrePost);
    m.put(
        "meanScore",
        Math.round(found.stream().mapToDouble(e -> e.site().score()).average().orElse(0) * 1000)
            / 1000.0);
    String summary = found.size() + " synapses, " + withPrePost + " with pre and post";
    Optional<TruthVolume> tv = TruthVolume.load(ctx);
    Path truthTable = ctx.groundTruth() == null ? null : ctx.groundTruth().resolve("synapses.tsv");
    if (tv.isPresent() && truthTable != null && Files.isRegularFile(truthTable)) {
      Map<String, Object> gt = groundTruth(ctx, tv.get(), readTruth(truthTable), found);
      m.put("groundTruth", gt);
      summary +=
          String.format(
              Locale.ROOT,
              "; vs truth: precision %.3f, recall %.3f, F1 %.3f (goal > %.1f), pre/post"
                  + " right %.3f",
              gt.get("precision"),
              gt.get("recall"),
              gt.get("f1"),
              GOAL_F1,
              gt.get("prePostCorrect"));
    }
    m.put("summary", summary);
    return Optional.of(m);
  }

  /** The simulator's {@code synapses.tsv} (truth frame): id, x, y, z, pre, post. */
  static List<double[]> readTruth(Path file) throws IOException {
    List<double[]> out = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(file)) {
      n++;
      if (line.isBlank() || line.startsWith("id")) {
        continue;
      }
      String[] f = line.split("\t");
      try {
        out.add(
            new double[] {
              Double.parseDouble(f[0]),
              Double.parseDouble(f[1]),
              Double.parseDouble(f[2]),
              Double.parseDouble(f[3]),
              Double.parseDouble(f[4]),
              Double.parseDouble(f[5])
            });
      } catch (RuntimeException e) {
        throw new IOException(
            file + ":" + n + ": not a synapse line (id x y z pre post ...): " + e.getMessage(), e);
      }
    }
    return out;
  }

  static Map<String, Object> groundTruth(
      ReportContext ctx, TruthVolume tv, List<double[]> truthRows, List<SynapseIndex.Entry> found)
      throws IOException {
    List<Truth> truths = new ArrayList<>();
    int notImaged = 0;
    for (double[] r : truthRows) {
      double[] at = tv.fromTruth(r[1], r[2], (int) r[3]);
      if (at == null
          || !tv.covered((int) at[2], (int) Math.round(at[0]), (int) Math.round(at[1]))) {
        notImaged++;
        continue;
      }
      truths.add(new Truth((int) r[0], at[0], at[1], (int) at[2], (int) r[4], (int) r[5]));
    }
    double[] res = resolution(ctx);
    List<int[]> pairs = match(truths, found, res, 1);
    int matched = pairs.size();
    double precision = found.isEmpty() ? 0 : (double) matched / found.size();
    double recall = truths.isEmpty() ? 0 : (double) matched / truths.size();
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    Map<String, Object> gt = new LinkedHashMap<>();
    gt.put("truthSynapses", truthRows.size());
    gt.put("imaged", truths.size());
    gt.put("notImaged", notImaged);
    gt.put("detections", found.size());
    gt.put("matched", matched);
    gt.put("precision", r3(precision));
    gt.put("recall", r3(recall));
    gt.put("f1", r3(f1));
    gt.put("goalF1", GOAL_F1);
    gt.put("f1Met", f1 > GOAL_F1);
    Map<String, Object> tol = new LinkedHashMap<>();
    tol.put("xyVoxels", MATCH_XY_VOXELS);
    tol.put("zSections", MATCH_Z_SECTIONS);
    tol.put("xyNm", r3(MATCH_XY_VOXELS * res[0]));
    tol.put("zNm", r3(MATCH_Z_SECTIONS * res[2]));
    gt.put("matchWithin", tol);
    double dxy = 0;
    for (int[] p : pairs) {
      Truth t = truths.get(p[0]);
      Site s = found.get(p[1]).site();
      dxy += Math.hypot(s.x() - t.x(), s.y() - t.y());
    }
    gt.put("meanOffsetXyVoxels", matched == 0 ? null : r3(dxy / matched));
    int loose = match(truths, found, res, LOOSE_FACTOR).size();
    Map<String, Object> lm = new LinkedHashMap<>();
    lm.put("xyVoxels", LOOSE_FACTOR * MATCH_XY_VOXELS);
    lm.put("zSections", LOOSE_FACTOR * MATCH_Z_SECTIONS);
    lm.put("matched", loose);
    double lp = found.isEmpty() ? 0 : (double) loose / found.size();
    double lr = truths.isEmpty() ? 0 : (double) loose / truths.size();
    lm.put("precision", r3(lp));
    lm.put("recall", r3(lr));
    lm.put("f1", r3(lp + lr == 0 ? 0 : 2 * lp * lr / (lp + lr)));
    gt.put("looseMatch", lm);
    // pre and post: the truth cell that overlaps each detected segment most
    Set<Long> segments = new HashSet<>();
    for (int[] p : pairs) {
      Site s = found.get(p[1]).site();
      segments.add(s.pre());
      segments.add(s.post());
    }
    segments.remove(0L);
    Map<Long, Integer> cellOf = majorityCells(ctx, tv, segments);
    int preOk = 0;
    int postOk = 0;
    int bothOk = 0;
    int swapped = 0;
    for (int[] p : pairs) {
      Truth t = truths.get(p[0]);
      Site s = found.get(p[1]).site();
      int pre = cellOf.getOrDefault(s.pre(), 0);
      int post = cellOf.getOrDefault(s.post(), 0);
      boolean a = pre != 0 && pre == t.pre();
      boolean b = post != 0 && post == t.post();
      preOk += a ? 1 : 0;
      postOk += b ? 1 : 0;
      bothOk += a && b ? 1 : 0;
      swapped += pre != 0 && pre == t.post() && post == t.pre() ? 1 : 0;
    }
    gt.put("prePostCorrect", matched == 0 ? 0.0 : r3((double) bothOk / matched));
    gt.put("preCorrect", matched == 0 ? 0.0 : r3((double) preOk / matched));
    gt.put("postCorrect", matched == 0 ? 0.0 : r3((double) postOk / matched));
    gt.put("prePostSwapped", swapped);
    return gt;
  }

  /**
   * Closest pairs first (physical distance), one-to-one, within {@code factor} times the matching
   * distance; {truth, detection}.
   */
  static List<int[]> match(
      List<Truth> truths, List<SynapseIndex.Entry> found, double[] res, int factor) {
    List<double[]> cand = new ArrayList<>();
    for (int i = 0; i < truths.size(); i++) {
      Truth t = truths.get(i);
      for (int j = 0; j < found.size(); j++) {
        Site s = found.get(j).site();
        double dxy = Math.hypot(s.x() - t.x(), s.y() - t.y());
        int dz = Math.abs(s.z() - t.z());
        if (dxy <= factor * MATCH_XY_VOXELS && dz <= factor * MATCH_Z_SECTIONS) {
          double nm = Math.hypot(dxy * res[0], dz * res[2]);
          cand.add(new double[] {nm, i, j});
        }
      }
    }
    cand.sort(
        Comparator.<double[]>comparingDouble(c -> c[0])
            .thenComparingDouble(c -> c[1])
            .thenComparingDouble(c -> c[2]));
    Set<Integer> usedT = new HashSet<>();
    Set<Integer> usedD = new HashSet<>();
    List<int[]> out = new ArrayList<>();
    for (double[] c : cand) {
      int i = (int) c[1];
      int j = (int) c[2];
      if (!usedT.contains(i) && !usedD.contains(j)) {
        usedT.add(i);
        usedD.add(j);
        out.add(new int[] {i, j});
      }
    }
    return out;
  }

  /** For each segment, the truth cell with the most voxels in it (0 when it has none). */
  static Map<Long, Integer> majorityCells(ReportContext ctx, TruthVolume tv, Set<Long> segments)
      throws IOException {
    Map<Long, Integer> out = new HashMap<>();
    Path segDir = RunVolumes.segmentation(ctx.runDir());
    if (segments.isEmpty() || !Files.isRegularFile(segDir.resolve("info"))) {
      return out;
    }
    // (segment's index in ids, cell) -> voxels; unboxed, as this counts every imaged voxel
    long[] ids = segments.stream().mapToLong(Long::longValue).sorted().toArray();
    LongCounts counts = new LongCounts(1 << 12);
    tv.overlap(
        PrecomputedVolume.open(segDir),
        (s, t) -> {
          int i = s == 0 ? -1 : Arrays.binarySearch(ids, s);
          if (i >= 0) {
            counts.add(((long) i << 32) | (t & 0xffffffffL), 1);
          }
        });
    long[] best = new long[ids.length]; // voxels of each segment's best cell so far, -1: none
    Arrays.fill(best, -1);
    int[] bestCell = new int[ids.length];
    counts.forEach(
        (key, n) -> {
          int i = (int) (key >>> 32);
          int cell = (int) key;
          // most voxels; on a tie, the smaller cell id
          if (n > best[i] || (n == best[i] && Integer.compare(cell, bestCell[i]) < 0)) {
            best[i] = n;
            bestCell[i] = cell;
          }
        });
    for (int i = 0; i < ids.length; i++) {
      if (best[i] >= 0) {
        out.put(ids[i], bestCell[i]);
      }
    }
    return out;
  }

  private static double[] resolution(ReportContext ctx) {
    try {
      return PrecomputedVolume.open(RunVolumes.aligned(ctx.runDir())).info().scale(0).resolution();
    } catch (IOException e) {
      return new double[] {1, 1, 1};
    }
  }

  private static double r3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
