package org.connectome.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.connectome.pipeline.Json;
import org.connectome.simulator.SimulationParams;
import org.connectome.stages.align.AlignPairsRunner;
import org.connectome.stages.align.AlignSolveRunner;
import org.connectome.stages.report.ReportContext;
import org.connectome.stages.report.RunReport;
import org.connectome.stages.stitch.StitchUnitRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stitching and alignment of the simulator's demo preset, scored against its ground truth. */
class SimulatedDemoTest {
  @TempDir static Path dir;
  static SimulatedRun run;
  static Map<String, Object> report;

  @BeforeAll
  static void stitchAndAlign() throws Exception {
    long t0 = System.nanoTime();
    run =
        SimulatedRun.create(
            dir, "demo", SimulationParams.Faults.NONE.with("missing=2").with("reimaged=2"));
    long t1 = System.nanoTime();
    int n = run.sections.size();
    run.runUnits("stitch", "stitch", n, Map.of(), StitchUnitRunner::new);
    long t2 = System.nanoTime();
    run.runUnits("align", "pairs", n - 1, Map.of(), AlignPairsRunner::new);
    long t3 = System.nanoTime();
    run.runUnits("align", "solve", 1, Map.of(), AlignSolveRunner::new);
    long t4 = System.nanoTime();
    report =
        RunReport.build(
            "sample/r1",
            new ReportContext(run.runDir, run.sim.acquisition(), run.sim.groundTruth()),
            List.of(),
            RunReport.scorers(),
            Instant.now());
    System.out.printf(
        "simulate %.1f s, stitch %.1f s, pairs %.1f s, solve %.1f s%n",
        (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9);
    RunReport.write(run.runDir, report);
    System.out.println(RunReport.text(report));
  }

  @Test
  void stitchingErrorIsUnderOnePixel() {
    Map<String, Object> gt = groundTruth("stitch");
    assertTrue(((Number) gt.get("tileErrorMedianPx")).doubleValue() < 1.0, gt.toString());
    assertTrue(((Number) gt.get("tileErrorP95Px")).doubleValue() < 1.0, gt.toString());
    assertEquals(222, ((Number) gt.get("tiles")).intValue(), "224 tiles less 2 missing");
  }

  @Test
  void alignmentResidualIsUnderTwoPixels() {
    Map<String, Object> gt = groundTruth("align");
    assertTrue(((Number) gt.get("residualMedianPx")).doubleValue() < 2.0, gt.toString());
    assertTrue(((Number) gt.get("residualP95Px")).doubleValue() < 2.5, gt.toString());
    assertEquals(16, ((Number) gt.get("sections")).intValue());
  }

  @Test
  void solvePublishesTheVolumeAndWritesTheContract() throws Exception {
    JsonNode v = Json.mapper().readTree(run.runDir.resolve("facts/volume.json").toFile());
    JsonNode t =
        Json.mapper()
            .readTree(run.step("align", "solve").outputDir().resolve("transforms.json").toFile());
    assertEquals(t.path("width").asLong(), v.path("x").asLong());
    assertEquals(t.path("height").asLong(), v.path("y").asLong());
    assertEquals(16, v.path("z").asInt());
    assertEquals(16, t.path("sections").size());
    assertEquals(0.0, t.path("sections").get(0).path("thetaDeg").asDouble());
    for (int k = 0; k < 15; k++) {
      JsonNode p =
          Json.mapper()
              .readTree(
                  run.step("align", "pairs")
                      .outputDir()
                      .resolve(String.format("p%04d.json", k))
                      .toFile());
      for (String f : List.of("dx", "dy", "thetaDeg", "score", "method")) {
        assertTrue(p.has(f), "p" + k + " lacks " + f);
      }
      assertEquals(
          k < 14,
          Files.exists(
              run.step("align", "pairs").outputDir().resolve(String.format("q%04d.json", k))));
    }
    assertTrue(Files.exists(run.runDir.resolve("report.json")));
  }

  static Map<String, Object> groundTruth(String stage) {
    return groundTruth(report, stage);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> groundTruth(Map<String, Object> report, String stage) {
    for (Map<String, Object> s : (List<Map<String, Object>>) report.get("stages")) {
      if (s.get("stage").equals(stage)) {
        return (Map<String, Object>) ((Map<String, Object>) s.get("quality")).get("groundTruth");
      }
    }
    throw new AssertionError("no stage " + stage);
  }
}
