package org.connectome.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.connectome.layout.RunLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.markers.MarkerStore;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run started while the microscope is still writing: sections are ingested once complete on disk,
 * and stitching starts on ingested sections without waiting for the whole sample.
 */
class LiveAcquisitionTest {
  @TempDir Path dir;

  /**
   * Writes a section folder as the microscope does: tiles first, the coordinate file listing them.
   */
  static void writeSection(Path acquisition, int n) throws Exception {
    Path section = acquisition.resolve(String.format("%03d_S%dR1", n, n));
    Path mfov = section.resolve("000001");
    Files.createDirectories(mfov);
    StringBuilder coords = new StringBuilder();
    for (int beam = 1; beam <= 3; beam++) {
      String name =
          String.format("%03d_000001_%03d_2021-05-25T2146%07d.bmp", n, beam, n * 10 + beam);
      Files.write(mfov.resolve(name), new byte[100]);
      coords.append("000001\\").append(name).append('\t').append(beam * 100.5).append("\t0\t0\r\n");
    }
    Files.writeString(
        section.resolve("full_image_coordinates.txt"),
        coords.toString(),
        StandardCharsets.US_ASCII);
  }

  @Test
  void sectionsAreIngestedAndStitchedAsTheyAppear() throws Exception {
    Path acquisition = dir.resolve("acq/demo_20210525_21-46-49");
    Files.createDirectories(acquisition);
    writeSection(acquisition, 1);
    writeSection(acquisition, 2);
    try (TestPlatform platform = new TestPlatform(dir, false)) {
      RunSpec spec =
          platform.spec(
              """
          sample: live
          run: r1
          acquisition: ACQ
          dataRoot: DATA
          volume: {sections: 4, width: 512, height: 512}
          executor: {type: local, local: {launcher: thread, maxConcurrentTasks: 2}}
          defaults: {unitsPerTask: 1, tasksPerShard: 1}
          stages:
            - stage: ingest
              implementation: synthetic
              params: {unitMillis: 10, watch: true, settleTime: 300ms, pollInterval: 200ms, watchTimeout: 2m}
            - {stage: stitch, implementation: synthetic, params: {unitMillis: 10}}
            - {stage: align, implementation: synthetic, params: {unitMillis: 1, renderBlockSize: [512, 512, 4]}}
          """
                  .replace("ACQ", acquisition.toString()));
      RunLauncher.Launch launch = new RunLauncher(platform.client()).launch(spec, 0, null);
      StepConfig ingest = Pipeline.steps(spec).get(0);
      StepConfig stitch = Pipeline.steps(spec).get(1);
      RunLayout layout = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run());
      MarkerStore ingestMarkers = new MarkerStore(layout.step("ingest", "ingest").markersDir());
      MarkerStore stitchMarkers = new MarkerStore(layout.step("stitch", "stitch").markersDir());
      // the two sections on disk are ingested and stitched while the rest of the sample is not
      // written yet
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!(stitchMarkers.isDone(0, stitch.paramsHash())
          && stitchMarkers.isDone(1, stitch.paramsHash()))) {
        assertTrue(
            System.nanoTime() < deadline,
            "sections on disk were not stitched while the acquisition runs");
        Thread.sleep(100);
      }
      assertTrue(!ingestMarkers.isDone(2, ingest.paramsHash()), "section 3 is not written yet");
      writeSection(acquisition, 3);
      writeSection(acquisition, 4);
      SampleRunResult result =
          platform
              .client()
              .newUntypedWorkflowStub(launch.execution(), Optional.empty())
              .getResult(SampleRunResult.class);
      assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
      platform.assertEachUnitRanOnce(spec);
      Instant stitchedFirst = finished(stitchMarkers, 0, stitch);
      Instant ingestedLast = finished(ingestMarkers, 3, ingest);
      assertTrue(
          stitchedFirst.isBefore(ingestedLast),
          "stitching started before the whole sample was ingested");
    }
  }

  private static Instant finished(MarkerStore markers, long unit, StepConfig step)
      throws Exception {
    CompletionMarker m = markers.read(unit, step.paramsHash()).orElseThrow();
    return m.finishedAt();
  }
}
