package org.connectome.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.Image8;
import org.connectome.pipeline.Json;
import org.connectome.stages.align.AlignPairsRunner;
import org.connectome.stages.align.AlignSolveRunner;
import org.connectome.stages.report.ReportContext;
import org.connectome.stages.report.RunReport;
import org.connectome.stages.stitch.StitchUnitRunner;
import org.connectome.tasks.UnitException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smoke preset through stitching and alignment, and the stitching QC gate on corrupted
 * sections.
 */
class SimulatedSmokeTest {
  @TempDir static Path dir;
  static SimulatedRun run;

  @BeforeAll
  static void simulate() throws Exception {
    run = SimulatedRun.create(dir, "smoke");
  }

  @Test
  void stitchesAndAlignsWithinTheGoals() throws Exception {
    int n = run.sections.size();
    run.runUnits("stitch", "stitch", n, Map.of(), StitchUnitRunner::new);
    run.runUnits("align", "pairs", n - 1, Map.of(), AlignPairsRunner::new);
    run.runUnits("align", "solve", 1, Map.of(), AlignSolveRunner::new);
    Map<String, Object> report =
        RunReport.build(
            "sample/r1",
            new ReportContext(run.runDir, run.sim.acquisition(), run.sim.groundTruth()),
            List.of(),
            RunReport.scorers(),
            Instant.now());
    System.out.println(RunReport.text(report));
    Map<String, Object> stitch = SimulatedDemoTest.groundTruth(report, "stitch");
    Map<String, Object> align = SimulatedDemoTest.groundTruth(report, "align");
    assertTrue(((Number) stitch.get("tileErrorMedianPx")).doubleValue() < 1.0, stitch.toString());
    assertTrue(((Number) align.get("residualMedianPx")).doubleValue() < 2.0, align.toString());
    assertEquals(n, ((Number) align.get("sections")).intValue());
    JsonNode qc =
        Json.mapper()
            .readTree(run.step("stitch", "stitch").outputDir().resolve("s0000/qc.json").toFile());
    assertTrue(qc.path("passed").asBoolean());
    for (String f :
        List.of(
            "pairs", "used", "outliers", "residualMedianPx", "residualP95Px", "residualMaxPx")) {
      assertTrue(qc.has(f), "qc.json lacks " + f);
    }
    JsonNode montage =
        Json.mapper()
            .readTree(
                run.step("stitch", "stitch").outputDir().resolve("s0000/montage.json").toFile());
    assertEquals(
        (long) montage.path("width").asInt() * montage.path("height").asInt(),
        Files.size(run.step("stitch", "stitch").outputDir().resolve("s0000/montage.raw")));
    JsonNode volume = Json.mapper().readTree(run.runDir.resolve("facts/volume.json").toFile());
    assertEquals(n, volume.path("z").asInt());
    assertTrue(volume.path("x").asInt() > 300 && volume.path("y").asInt() > 300, volume.toString());
  }

  /**
   * Rewrites section 0's manifest with its centre tile moved 70 px, or replaced by a magnified
   * copy.
   */
  static void corruptSection(Path runDir, String mode) throws Exception {
    String folder = run.sections.get(0).name();
    Path m =
        runDir
            .resolve("stages/ingest/ingest/output/sections")
            .resolve(folder)
            .resolve("manifest.tsv");
    List<String> lines = new ArrayList<>(Files.readAllLines(m));
    // beam 1 of mFoV 1: the centre tile, which overlaps all the others
    int row = 1;
    String[] f = lines.get(row).split("\t");
    if (mode.equals("displaced")) {
      f[3] = Double.toString(Double.parseDouble(f[3]) + 70);
    } else {
      // magnified by 5 % about its centre: a tile whose pixel size is wrong
      Image8 img = Bmp.read8(Path.of(f[2]));
      byte[] out = new byte[img.pixels().length];
      double cx = (img.width() - 1) / 2.0;
      double cy = (img.height() - 1) / 2.0;
      for (int y = 0; y < img.height(); y++) {
        for (int x = 0; x < img.width(); x++) {
          int sx = (int) Math.round(cx + (x - cx) / 1.05);
          int sy = (int) Math.round(cy + (y - cy) / 1.05);
          out[y * img.width() + x] = img.pixels()[sy * img.width() + sx];
        }
      }
      Path bad = dir.resolve("scaled-tile.bmp");
      Bmp.write8(bad, img.width(), img.height(), out);
      f[2] = bad.toString();
    }
    lines.set(row, String.join("\t", f));
    Files.write(m, lines);
  }

  static SimulatedRun copyRun(String name) throws Exception {
    return SimulatedRun.withRunDir(run, dir.resolve(name));
  }

  @Test
  void aTileFarFromItsNominalPositionFailsTheSectionWithItsNumbers() throws Exception {
    SimulatedRun r = copyRun("displaced");
    corruptSection(r.runDir, "displaced");
    UnitException e =
        assertThrows(
            UnitException.class,
            () -> r.runUnits("stitch", "stitch", 1, Map.of(), StitchUnitRunner::new));
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("failed stitching QC"), e.getMessage());
    assertTrue(
        e.getMessage()
            .matches(
                "(?s).*1 of 7 tiles (not connected to the rest|placed by fewer than 2 "
                    + "registered pairs).*mfov 1 beam 1.*"),
        e.getMessage());
    System.out.println(e.getMessage());
    JsonNode qc =
        Json.mapper()
            .readTree(r.step("stitch", "stitch").outputDir().resolve("s0000/qc.json").toFile());
    assertFalse(qc.path("passed").asBoolean());
    assertFalse(Files.exists(r.step("stitch", "stitch").outputDir().resolve("s0000/montage.raw")));
  }

  @Test
  void aDistortedTileFailsTheResidualGateWithItsNumbers() throws Exception {
    SimulatedRun r = copyRun("distorted");
    corruptSection(r.runDir, "scaled");
    UnitException e =
        assertThrows(
            UnitException.class,
            () -> r.runUnits("stitch", "stitch", 1, Map.of(), StitchUnitRunner::new));
    assertFalse(e.retryable());
    assertTrue(
        e.getMessage()
            .matches(
                "(?s).*residual max \\d+\\.\\d+ px exceeds maxResidualPx 2\\.00 \\(median "
                    + "\\d+\\.\\d+, p95 \\d+\\.\\d+, max \\d+\\.\\d+ px over \\d+ pairs.*"),
        e.getMessage());
    assertTrue(e.getMessage().contains("mfov 1 beam 1"), e.getMessage());
  }

  @Test
  void aLooserGatePassesTheDistortedSection() throws Exception {
    SimulatedRun r = copyRun("distorted-loose");
    corruptSection(r.runDir, "scaled");
    r.runUnits(
        "stitch",
        "stitch",
        1,
        Map.of("maxResidualPx", 50.0, "outlierPx", 50.0),
        StitchUnitRunner::new);
    assertTrue(Files.exists(r.step("stitch", "stitch").outputDir().resolve("s0000/montage.raw")));
  }
}
