package org.connectome.stages.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.connectome.stages.stitch.Stats;

/**
 * Stitching: the QC figures of every section, and with a ground truth the tile position error: per
 * tile the distance between its solved and its true top-left after removing each section's mean
 * offset (the montage and section frames differ by a translation), median, 95th percentile and
 * maximum over all tiles.
 */
public final class StitchScorer implements StageScorer {
  /** Goal on the demo: median tile error under 1 px. */
  public static final double GOAL_MEDIAN_PX = 1.0;

  @Override
  public String stage() {
    return "stitch";
  }

  @Override
  public Optional<Map<String, Object>> score(ReportContext ctx) throws IOException {
    TruthFiles truth = ctx.truth().orElse(null);
    List<StitchedSections.Section> secs = StitchedSections.read(ctx, truth);
    if (secs.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    int failed = 0;
    double worstQc = 0;
    List<Double> qcMedians = new ArrayList<>();
    int pairs = 0;
    int used = 0;
    int outliers = 0;
    for (StitchedSections.Section s : secs) {
      JsonNode qc = s.qc();
      if (qc == null) {
        continue;
      }
      if (!qc.path("passed").asBoolean(true)) {
        failed++;
      }
      pairs += qc.path("pairs").asInt();
      used += qc.path("used").asInt();
      outliers += qc.path("outliers").asInt();
      worstQc = Math.max(worstQc, qc.path("residualMaxPx").asDouble(0));
      if (qc.has("residualMedianPx")) {
        qcMedians.add(qc.path("residualMedianPx").asDouble());
      }
    }
    long stitched = secs.stream().filter(s -> !s.tiles().isEmpty()).count();
    m.put("sections", stitched);
    m.put("sectionsFailedQc", failed);
    m.put("tiles", secs.stream().mapToInt(s -> s.tiles().size()).sum());
    Map<String, Object> qc = new LinkedHashMap<>();
    qc.put("pairs", pairs);
    qc.put("used", used);
    qc.put("outliers", outliers);
    qc.put(
        "residualMedianPx",
        Stats.r3(Stats.median(qcMedians.stream().mapToDouble(Double::doubleValue).toArray())));
    qc.put("residualMaxPx", Stats.r3(worstQc));
    m.put("qc", qc);
    String summary =
        String.format(
                "%d sections, QC residual median %.2f px, max %.2f px, %d outlier pairs",
                stitched, (double) qc.get("residualMedianPx"), worstQc, outliers)
            + (failed > 0 ? ", " + failed + " failed QC" : "");
    if (truth != null) {
      List<Double> err = new ArrayList<>();
      List<Map<String, Object>> per = new ArrayList<>();
      for (StitchedSections.Section s : secs) {
        List<Double> se = new ArrayList<>();
        for (StitchedSections.Tile t : s.tiles()) {
          if (!Double.isNaN(t.trueX())) {
            se.add(Math.hypot(t.x() + s.offsetX() - t.trueX(), t.y() + s.offsetY() - t.trueY()));
          }
        }
        err.addAll(se);
        if (!se.isEmpty()) {
          double[] a = se.stream().mapToDouble(Double::doubleValue).toArray();
          Map<String, Object> x = new LinkedHashMap<>();
          x.put("section", s.unit());
          x.put("folder", s.folder());
          x.put("tiles", a.length);
          x.put("medianPx", Stats.r3(Stats.median(a)));
          x.put("maxPx", Stats.r3(Stats.max(a)));
          per.add(x);
        }
      }
      double[] a = err.stream().mapToDouble(Double::doubleValue).toArray();
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("tiles", a.length);
      g.put("tileErrorMedianPx", Stats.r3(Stats.median(a)));
      g.put("tileErrorP95Px", Stats.r3(Stats.quantile(a, 0.95)));
      g.put("tileErrorMaxPx", Stats.r3(Stats.max(a)));
      g.put("goalMedianPx", GOAL_MEDIAN_PX);
      g.put("goalMet", a.length > 0 && Stats.median(a) < GOAL_MEDIAN_PX);
      g.put("perSection", per);
      m.put("groundTruth", g);
      if (a.length > 0) {
        summary =
            String.format(
                    "tile error median %.2f px, p95 %.2f px, max %.2f px (%d tiles; goal median < %.0f px: %s); ",
                    Stats.median(a),
                    Stats.quantile(a, 0.95),
                    Stats.max(a),
                    a.length,
                    GOAL_MEDIAN_PX,
                    Stats.median(a) < GOAL_MEDIAN_PX ? "met" : "MISSED")
                + summary;
      }
    }
    m.put("summary", summary);
    return Optional.of(m);
  }
}
