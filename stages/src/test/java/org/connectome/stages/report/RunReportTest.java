package org.connectome.stages.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.connectome.pipeline.Json;
import org.connectome.stages.align.Rigid;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report on a hand-made run folder whose scores are known exactly. */
class RunReportTest {
  @TempDir Path dir;
  Path runDir;
  Path acquisition;
  Path truth;

  static final double CX = 199.5;
  static final double CY = 99.5;

  /** Section z's montage frame = section frame - OFFSET[z]. */
  static final double[][] OFFSET = {{10, 20}, {-5, 7}};

  static final double[][] DRIFT = {{0, 0}, {3, -2}};
  static final double[] ROTATION = {0, 0.5};

  /** True top-left of the two tiles of each section, in the section frame. */
  static final double[][][] TRUE = {{{10, 20}, {110, 20}}, {{-5, 7}, {95, 7}}};

  /** Stitching error of each tile (the mean per section is 0). */
  static final double[][][] ERR = {{{0.3, 0}, {-0.3, 0}}, {{0, 0.2}, {0, -0.2}}};

  @BeforeEach
  void fakeRun() throws IOException {
    runDir = dir.resolve("data/s/r1");
    acquisition = dir.resolve("microscope/fake_20210525_21-46-49");
    truth = dir.resolve("microscope/ground-truth");
    Files.createDirectories(acquisition.resolve("001_S1R1"));
    Files.createDirectories(acquisition.resolve("002_S2R1"));
    Files.createDirectories(truth);
    Files.writeString(
        truth.resolve("volume.json"),
        "{\"volume\": {\"width\": 400, \"height\": 200, \"sections\": 2},"
            + " \"tiling\": {\"rotationCentre\": [199.5, 99.5]}}");
    List<String> sections =
        new ArrayList<>(List.of("section\tz\tfolder\tdrift_x\tdrift_y\trotation_deg"));
    List<String> tiles =
        new ArrayList<>(List.of("section\tmfov\tbeam\tfile\tstatus\ttrue_x\ttrue_y"));
    for (int z = 0; z < 2; z++) {
      String folder = String.format("%03d_S%dR1", z + 1, z + 1);
      sections.add(
          (z + 1)
              + "\t"
              + z
              + "\t"
              + folder
              + "\t"
              + DRIFT[z][0]
              + "\t"
              + DRIFT[z][1]
              + "\t"
              + ROTATION[z]);
      List<String> stitched = new ArrayList<>(List.of("# mfov\tbeam\tpath\tx\ty"));
      for (int t = 0; t < 2; t++) {
        tiles.add(
            (z + 1)
                + "\t1\t"
                + (t + 1)
                + "\t"
                + folder
                + "/t"
                + t
                + ".bmp\tok\t"
                + TRUE[z][t][0]
                + "\t"
                + TRUE[z][t][1]);
        stitched.add(
            "1\t"
                + (t + 1)
                + "\t/x/t"
                + t
                + ".bmp\t"
                + (TRUE[z][t][0] - OFFSET[z][0] + ERR[z][t][0])
                + "\t"
                + (TRUE[z][t][1] - OFFSET[z][1] + ERR[z][t][1]));
      }
      // a superseded tile is not a tile of the section
      tiles.add((z + 1) + "\t1\t1\t" + folder + "/old.bmp\tsuperseded\t999\t999");
      Path out = runDir.resolve(String.format("stages/stitch/stitch/output/s%04d", z));
      Files.createDirectories(out);
      Files.write(out.resolve("tiles.tsv"), stitched);
      Files.writeString(
          out.resolve("montage.json"),
          "{\"width\": 200, \"height\": 100, \"originX\": 0, \"originY\": 0,"
              + " \"scale\": 1, \"tileWidth\": 100, \"tileHeight\": 100, \"section\": \""
              + folder
              + "\"}");
      Files.write(out.resolve("montage.raw"), new byte[200 * 100]);
      Files.writeString(
          out.resolve("qc.json"),
          "{\"pairs\": 1, \"used\": 1, \"outliers\": 0, \"residualMedianPx\": 0.1,"
              + " \"residualP95Px\": 0.1, \"residualMaxPx\": 0.1, \"passed\": true}");
    }
    Files.write(truth.resolve("sections.tsv"), sections);
    Files.write(truth.resolve("tiles.tsv"), tiles);
  }

  /**
   * The exact transforms (montage to section 1's frame), moved by a common rigid transform, plus
   * extra shifts.
   */
  void writeTransforms(double extraShiftOfSection1) throws IOException {
    Rigid frame = new Rigid(2.0, 100, 50);
    List<Map<String, Object>> secs = new ArrayList<>();
    for (int z = 0; z < 2; z++) {
      double th = -ROTATION[z];
      Rigid r = new Rigid(th, 0, 0);
      double[] t = r.apply(OFFSET[z][0] - CX - DRIFT[z][0], OFFSET[z][1] - CY - DRIFT[z][1]);
      Rigid a =
          frame.compose(new Rigid(th, t[0] + CX + (z == 1 ? extraShiftOfSection1 : 0), t[1] + CY));
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("section", z);
      s.put("thetaDeg", a.thetaDeg());
      s.put("tx", a.dx());
      s.put("ty", a.dy());
      secs.add(s);
    }
    Path f = runDir.resolve("stages/align/solve/output/transforms.json");
    Files.createDirectories(f.getParent());
    Files.write(
        f,
        Json.bytes(
            Map.of(
                "sections",
                secs,
                "width",
                420,
                "height",
                230,
                "residualMedianPx",
                0.2,
                "residualMaxPx",
                0.4,
                "outliers",
                0)));
    Path p = runDir.resolve("stages/align/pairs/output/p0000.json");
    Files.createDirectories(p.getParent());
    Files.writeString(
        p, "{\"dx\": 1, \"dy\": 2, \"thetaDeg\": 0.5, \"score\": 0.8, \"method\": \"test\"}");
  }

  Map<String, Object> build(List<RunReport.StageTime> times) throws IOException {
    return RunReport.build(
        "s/r1",
        new ReportContext(runDir, acquisition, truth),
        times,
        RunReport.scorers(),
        Instant.parse("2026-01-01T00:10:00Z"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> stage(Map<String, Object> report, String name) {
    return ((List<Map<String, Object>>) report.get("stages"))
        .stream().filter(s -> s.get("stage").equals(name)).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> gt(Map<String, Object> report, String name) {
    return (Map<String, Object>)
        ((Map<String, Object>) stage(report, name).get("quality")).get("groundTruth");
  }

  @Test
  void scoresStitchingAgainstTheTruePositions() throws IOException {
    writeTransforms(0);
    Map<String, Object> g = gt(build(List.of()), "stitch");
    assertEquals(4, g.get("tiles"));
    assertEquals(0.25, (double) g.get("tileErrorMedianPx"), 1e-9);
    assertEquals(0.3, (double) g.get("tileErrorMaxPx"), 1e-9);
    assertEquals(true, g.get("goalMet"));
  }

  @Test
  void alignmentResidualIsZeroForTheTrueTransformsInAnotherFrame() throws IOException {
    writeTransforms(0);
    Map<String, Object> g = gt(build(List.of()), "align");
    assertEquals(2, g.get("sections"));
    assertEquals(0, (double) g.get("residualMaxPx"), 1e-3);
  }

  @Test
  void alignmentResidualOfAShiftedSection() throws IOException {
    writeTransforms(1.0);
    Map<String, Object> g = gt(build(List.of()), "align");
    // one section off by 1 px: the best common rigid transform splits it, about 0.5 px everywhere
    assertEquals(0.5, (double) g.get("residualMedianPx"), 0.01);
    assertTrue((double) g.get("residualMaxPx") < 0.6, g.toString());
  }

  @Test
  void timesBytesCompressionAndTheReportFile() throws IOException {
    writeTransforms(0);
    Path c = runDir.resolve("stages/compress/image/output/000000");
    Files.createDirectories(c);
    Files.writeString(c.resolve("u0.json"), "{\"rawBytes\": 1000, \"storedBytes\": 250}");
    Files.writeString(c.resolve("u1.json"), "{\"rawBytes\": 3000, \"storedBytes\": 750}");
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    List<RunReport.StageTime> times =
        List.of(
            new RunReport.StageTime(
                "stitch",
                "reference",
                "DONE",
                t0,
                t0.plusSeconds(13),
                List.of(new RunReport.StepTime("stitch", "DONE", t0, t0.plusMillis(12_500), 2, 2))),
            new RunReport.StageTime(
                "align",
                "reference",
                "RUNNING",
                t0.plusSeconds(13),
                null,
                List.of(
                    new RunReport.StepTime(
                        "pairs", "DONE", t0.plusSeconds(13), t0.plusSeconds(20), 1, 1),
                    new RunReport.StepTime("solve", "RUNNING", t0.plusSeconds(20), null, 0, 1))));
    Map<String, Object> r = build(times);
    assertEquals(12.5, stage(r, "stitch").get("seconds"));
    // a running step counts until now (00:10:00)
    assertEquals(7.0 + 580.0, stage(r, "align").get("seconds"));
    long stitchOut = (long) stage(r, "stitch").get("bytesOut");
    assertEquals(2 * 200 * 100, stitchOut, 2000.0, "montages and small files");
    assertEquals(stitchOut > 0, true);
    @SuppressWarnings("unchecked")
    Map<String, Object> q = (Map<String, Object>) stage(r, "compress").get("quality");
    assertEquals(4.0, q.get("compressionRatio"));
    Path f = RunReport.write(runDir, r);
    JsonNode j = Json.mapper().readTree(f.toFile());
    assertEquals("s/r1", j.path("run").asText());
    assertEquals(
        0.25,
        j.path("stages")
            .get(0)
            .path("quality")
            .path("groundTruth")
            .path("tileErrorMedianPx")
            .asDouble(),
        1e-9);
    String text = RunReport.text(r);
    assertTrue(text.contains("tile error median 0.25 px"), text);
    assertTrue(text.contains("image compression 4.00x"), text);
  }

  @Test
  void aPluggedInScorerIsCalledForItsStage() throws IOException {
    writeTransforms(0);
    StageScorer seg =
        new StageScorer() {
          @Override
          public String stage() {
            return "segment";
          }

          @Override
          public Optional<Map<String, Object>> score(ReportContext context) {
            return Optional.of(Map.of("summary", "VI 0.1"));
          }
        };
    Files.createDirectories(runDir.resolve("stages/segment/inference/output"));
    List<StageScorer> scorers = new ArrayList<>(RunReport.scorers());
    scorers.add(seg);
    Map<String, Object> r =
        RunReport.build(
            "s/r1",
            new ReportContext(runDir, acquisition, truth),
            List.of(),
            scorers,
            Instant.now());
    assertTrue(RunReport.text(r).contains("quality: VI 0.1"), RunReport.text(r));
  }

  @Test
  void withoutGroundTruthOnlyTheRunsOwnFigures() throws IOException {
    writeTransforms(0);
    Map<String, Object> r =
        RunReport.build(
            "s/r1",
            new ReportContext(runDir, acquisition, null),
            List.of(),
            RunReport.scorers(),
            Instant.now());
    @SuppressWarnings("unchecked")
    Map<String, Object> q = (Map<String, Object>) stage(r, "stitch").get("quality");
    assertTrue(!q.containsKey("groundTruth") && q.containsKey("qc"), q.toString());
    assertEquals(Optional.of(truth.toAbsolutePath()), ReportContext.findGroundTruth(acquisition));
  }
}
