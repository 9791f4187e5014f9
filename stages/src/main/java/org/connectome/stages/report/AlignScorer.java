package org.connectome.stages.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.connectome.pipeline.Json;
import org.connectome.stages.align.Rigid;
import org.connectome.stages.stitch.Stats;

/**
 * Alignment: the solve's figures (volume, pair residuals, registration scores), and with a ground
 * truth the alignment residual: a grid of points of each section's montage (where tiles are) mapped
 * through the solved transform and through the ground truth's (montage to section frame by the
 * stitching's mean offset, then the section's true transform into the aligned volume); after
 * removing the one rigid transform between the two aligned frames that fits best, the distances'
 * median, 95th percentile and maximum.
 */
public final class AlignScorer implements StageScorer {
  /** Goal on the demo: alignment residual under 2 px. */
  public static final double GOAL_PX = 2.0;

  static final int GRID = 12;

  @Override
  public String stage() {
    return "align";
  }

  @Override
  public Optional<Map<String, Object>> score(ReportContext ctx) throws IOException {
    Path tf = ctx.stepOutput("align", "solve").resolve("transforms.json");
    Path pairsDir = ctx.stepOutput("align", "pairs");
    if (!Files.exists(tf) && !Files.isDirectory(pairsDir)) {
      return Optional.empty();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    List<Double> scores = new ArrayList<>();
    if (Files.isDirectory(pairsDir)) {
      try (Stream<Path> s = Files.list(pairsDir)) {
        for (Path p :
            s.filter(p -> p.getFileName().toString().matches("[pq]\\d+\\.json")).toList()) {
          JsonNode j = Json.mapper().readTree(p.toFile());
          scores.add(j.path("score").asDouble());
        }
      }
    }
    double[] sc = scores.stream().mapToDouble(Double::doubleValue).toArray();
    m.put("pairs", sc.length);
    m.put("pairScoreMedian", Stats.r3(Stats.median(sc)));
    m.put(
        "pairScoreMin",
        Stats.r3(sc.length == 0 ? Double.NaN : java.util.Arrays.stream(sc).min().getAsDouble()));
    String summary = sc.length + " registered pairs";
    if (!Files.exists(tf)) {
      m.put("summary", summary + " (no solve yet)");
      return Optional.of(m);
    }
    JsonNode t = Json.mapper().readTree(tf.toFile());
    Map<Integer, Rigid> transforms = new HashMap<>();
    for (JsonNode s : t.path("sections")) {
      transforms.put(
          s.path("section").asInt(),
          new Rigid(
              s.path("thetaDeg").asDouble(), s.path("tx").asDouble(), s.path("ty").asDouble()));
    }
    m.put(
        "volume",
        Map.of(
            "x", t.path("width").asLong(), "y", t.path("height").asLong(), "z", transforms.size()));
    m.put("solveResidualMedianPx", t.path("residualMedianPx").asDouble());
    m.put("solveResidualMaxPx", t.path("residualMaxPx").asDouble());
    m.put("solveOutliers", t.path("outliers").asInt());
    summary =
        String.format(
            "volume %d x %d x %d, %d pairs, solve residual max %.2f px",
            t.path("width").asLong(),
            t.path("height").asLong(),
            transforms.size(),
            sc.length,
            t.path("residualMaxPx").asDouble());
    TruthFiles truth = ctx.truth().orElse(null);
    if (truth != null) {
      List<double[]> ours = new ArrayList<>();
      List<double[]> theirs = new ArrayList<>();
      List<Integer> sectionOf = new ArrayList<>();
      for (StitchedSections.Section s : StitchedSections.read(ctx, truth)) {
        Rigid r = transforms.get(s.unit());
        if (r == null || s.truth() == null || Double.isNaN(s.offsetX()) || s.width() == 0) {
          continue;
        }
        for (int j = 0; j < GRID; j++) {
          for (int i = 0; i < GRID; i++) {
            double x = (s.width() - 1) * (i + 0.5) / GRID;
            double y = (s.height() - 1) * (j + 0.5) / GRID;
            if (!covered(s, x, y)) {
              continue;
            }
            ours.add(r.apply(x, y));
            theirs.add(truth.toAligned(s.truth(), x + s.offsetX(), y + s.offsetY()));
            sectionOf.add(s.unit());
          }
        }
      }
      if (ours.size() >= 2) {
        double[] w = new double[ours.size()];
        java.util.Arrays.fill(w, 1);
        Rigid g = Rigid.fit(ours.toArray(new double[0][]), theirs.toArray(new double[0][]), w);
        double[] res = new double[ours.size()];
        Map<Integer, Double> worst = new java.util.TreeMap<>();
        for (int i = 0; i < res.length; i++) {
          double[] q = g.apply(ours.get(i)[0], ours.get(i)[1]);
          res[i] = Math.hypot(q[0] - theirs.get(i)[0], q[1] - theirs.get(i)[1]);
          worst.merge(sectionOf.get(i), res[i], Math::max);
        }
        Map<String, Object> gt = new LinkedHashMap<>();
        gt.put("points", res.length);
        gt.put("sections", worst.size());
        gt.put("residualMedianPx", Stats.r3(Stats.median(res)));
        gt.put("residualP95Px", Stats.r3(Stats.quantile(res, 0.95)));
        gt.put("residualMaxPx", Stats.r3(Stats.max(res)));
        gt.put("goalPx", GOAL_PX);
        gt.put("goalMet", Stats.median(res) < GOAL_PX);
        gt.put("frameRotationDeg", Stats.r3(g.thetaDeg()));
        Map<String, Object> per = new LinkedHashMap<>();
        worst.forEach((z, v) -> per.put(Integer.toString(z), Stats.r3(v)));
        gt.put("maxPerSectionPx", per);
        m.put("groundTruth", gt);
        summary =
            String.format(
                    "residual median %.2f px, p95 %.2f px, max %.2f px (%d points in %d sections; goal"
                        + " < %.0f px: %s); ",
                    Stats.median(res),
                    Stats.quantile(res, 0.95),
                    Stats.max(res),
                    res.length,
                    worst.size(),
                    GOAL_PX,
                    Stats.median(res) < GOAL_PX ? "met" : "MISSED")
                + summary;
      }
    }
    m.put("summary", summary);
    return Optional.of(m);
  }

  private static boolean covered(StitchedSections.Section s, double x, double y) {
    if (s.tileWidth() <= 0) {
      return true;
    }
    for (StitchedSections.Tile t : s.tiles()) {
      if (x >= t.x()
          && y >= t.y()
          && x <= t.x() + s.tileWidth() - 1
          && y <= t.y() + s.tileHeight() - 1) {
        return true;
      }
    }
    return false;
  }
}
