package org.connectome.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.StepStatus;
import org.connectome.executor.RoutingExecutor;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.local.LocalExecutor;
import org.connectome.executor.local.ThreadTaskLauncher;
import org.connectome.layout.RunLayout;
import org.connectome.markers.MarkerStore;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.tasks.PlatformSpecChecks;
import org.connectome.workflows.PlatformWorkers;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference ingest driven by the real workflows while the microscope is still writing: a
 * section that appears during the run is ingested when complete, and stitching starts on ingested
 * sections at once.
 */
class LiveIngestWorkflowTest {
  @TempDir Path dir;

  static SectionFixture section(Path acquisition, int n, int tiles) throws Exception {
    SectionFixture s = new SectionFixture(acquisition, n);
    for (int beam = 1; beam <= tiles; beam++) {
      s.tile(1, beam);
    }
    if (n == 1) {
      // one tile never written; the section counts as complete once the microscope has moved on to
      // section 2
      s.missing(1, tiles + 1);
    }
    s.writeCoordinates(false);
    return s;
  }

  @Test
  void aSectionThatAppearsDuringTheRunIsIngestedAndStitched() throws Exception {
    Path acquisition = dir.resolve("acq/live_20210525_21-46-49");
    Files.createDirectories(acquisition);
    section(acquisition, 1, 7);
    section(acquisition, 2, 7);
    TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    try (Catalog catalog = Catalog.open(Catalog.h2FileUrl(dir.resolve("catalog")))) {
      PrometheusRegistry registry = new PrometheusRegistry();
      StageExecutor executor =
          new RoutingExecutor(
              new LocalExecutor(new ThreadTaskLauncher(), 2),
              Map.of(
                  IngestExecutor.ROUTE,
                  IngestExecutor.create(IngestStore.open(catalog), registry, 2)));
      PlatformWorkers.register(
          env.getWorkerFactory(), catalog, executor, new PlatformMetrics(registry));
      org.connectome.workflows.RunSearchAttributes.ensureRegistered(
          env.getOperatorServiceStubs(), env.getNamespace(), true);
      env.start();
      List<org.connectome.spec.SpecCheck> checks =
          new java.util.ArrayList<>(PlatformSpecChecks.all(java.util.Set.of(IngestExecutor.ROUTE)));
      checks.add(IngestParams.check());
      RunSpec spec =
          new RunSpecLoader(checks)
              .parse(
                  """
          sample: live
          run: r1
          acquisition: ACQ
          dataRoot: DATA
          volume: {sections: 3, width: 512, height: 512}
          executor: {type: local, local: {launcher: thread}}
          defaults: {unitsPerTask: 1, tasksPerShard: 1}
          stages:
            - stage: ingest
              implementation: reference
              params: {watch: true, settleTime: 300ms, pollInterval: 200ms, watchTimeout: 2m, maxBadTiles: 1}
            - {stage: stitch, implementation: synthetic, params: {unitMillis: 5}}
          """
                      .replace("ACQ", acquisition.toString())
                      .replace("DATA", dir.resolve("data").toString()),
                  "live.yaml",
                  dir);
      RunLauncher.Launch launch = new RunLauncher(env.getWorkflowClient()).launch(spec, 0, null);
      StepConfig stitch = Pipeline.steps(spec).get(1);
      MarkerStore stitched =
          new MarkerStore(
              RunLayout.of(spec.dataRoot(), "live", "r1").step("stitch", "stitch").markersDir());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!(stitched.isDone(0, stitch.paramsHash())
          && stitched.isDone(1, stitch.paramsHash()))) {
        assertTrue(
            System.nanoTime() < deadline,
            "the two written sections were not ingested and stitched");
        Thread.sleep(100);
      }
      section(acquisition, 3, 7); // the microscope finishes the last section while the run goes on
      SampleRunResult result =
          env.getWorkflowClient()
              .newUntypedWorkflowStub(launch.execution(), Optional.empty())
              .getResult(SampleRunResult.class);
      assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
      IngestRepository repo = new IngestRepository(IngestStore.open(catalog));
      assertEquals(
          List.of(7L, 7L, 7L),
          List.of(
              repo.tileCount("live/r1", 0),
              repo.tileCount("live/r1", 1),
              repo.tileCount("live/r1", 2)));
      assertEquals(1, repo.sections("live/r1").get(0).quarantined());
      assertTrue(repo.sections("live/r1").get(0).report().contains("missing"));
      StepStatus ingestStep = catalog.progress().status("live/r1").stages().get(0).steps().get(0);
      assertEquals(3, ingestStep.unitsDone());
      assertTrue(MetricsValue.of(registry, "connectome_ingest_tiles", "live") >= 21);
    } finally {
      env.close();
    }
  }
}
