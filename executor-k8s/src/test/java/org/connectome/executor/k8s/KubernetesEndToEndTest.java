package org.connectome.executor.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.RunState;
import org.connectome.layout.RunLayout;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.tasks.synthetic.SyntheticUnitRunner;
import org.connectome.workflows.PlatformWorkers;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole sample through the Kubernetes executor: the real workflows on Temporal's test server, the
 * real catalog, every shard an Indexed Job on the mock API server, and every pod's command (the
 * wrapper, then the task entry point) run by the controller double as a local process with the
 * pod's environment.
 */
class KubernetesEndToEndTest {
  static final String SPEC =
      """
      sample: k8s1
      run: r1
      dataRoot: DATA
      voxelSize: {x: 8, y: 8, z: 33}
      volume: {sections: 4, width: 512, height: 512}
      executor:
        type: kubernetes
        kubernetes: {namespace: cx-test, image: "registry.example.org/connectome-task:e2e", serviceAccount: connectome-task}
      defaults:
        unitsPerTask: 4
        tasksPerShard: 4
        parallelism: 4
        retry: {maxAttempts: 3, initialBackoff: 10ms, maxBackoff: 50ms}
        resources: {cpu: "1", memory: 256Mi}
      stages:
        - {stage: ingest, implementation: synthetic, unitsPerTask: 2, params: {unitMillis: 1}}
        - {stage: stitch, implementation: synthetic, params: {unitMillis: 1, failFirstAttempts: 1}}
        - {stage: align, implementation: synthetic, params: {unitMillis: 1, renderBlockSize: [512, 512, 4]}}
        - {stage: segment, implementation: synthetic, resources: {gpu: 1}, kubernetes: {nodeSelector: {pool: gpu}},
           params: {unitMillis: 1, subvolumeSize: [512, 512, 4]}}
        - {stage: synapses, implementation: synthetic, params: {unitMillis: 1, blockSize: [512, 512, 4]}}
        - {stage: compress, implementation: synthetic, params: {unitMillis: 1, blockSize: [512, 512, 4]}}
        - {stage: mesh, implementation: synthetic, params: {unitMillis: 1, blockSize: [512, 512, 4], mergeShards: 2}}
      """;

  @TempDir Path dir;

  @Test
  @Timeout(180)
  void aWholeSampleRunsAsIndexedJobs() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    KubernetesExecutorConfig config =
        MockCluster.config()
            .pollInterval(Duration.ofMillis(100))
            .taskCommand(
                List.of(
                    java,
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-Xshare:auto",
                    "-Xmx128m",
                    "-Dconnectome.markers.fsync=false",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "org.connectome.tasks.TaskMain"))
            .build();
    RunSpec spec =
        new RunSpecLoader()
            .parse(SPEC.replace("DATA", dir.resolve("data").toString()), "k8s.yaml", dir);
    long t0 = System.nanoTime();
    try (MockCluster cluster = new MockCluster((job, index, attempt) -> Outcome.run());
        Catalog catalog = Catalog.open(Catalog.h2FileUrl(dir.resolve("catalog")));
        KubernetesExecutor executor = new KubernetesExecutor(cluster.apiClient(null), config)) {
      TestWorkflowEnvironment env =
          TestWorkflowEnvironment.newInstance(
              TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
      try {
        PlatformWorkers.register(
            env.getWorkerFactory(),
            catalog,
            executor,
            new PlatformMetrics(new PrometheusRegistry()));
        org.connectome.workflows.RunSearchAttributes.ensureRegistered(
            env.getOperatorServiceStubs(), env.getNamespace(), true);
        env.start();
        RunLauncher.Launch launch = new RunLauncher(env.getWorkflowClient()).launch(spec, 0, null);
        SampleRunResult result =
            env.getWorkflowClient()
                .newUntypedWorkflowStub(launch.execution(), Optional.empty())
                .getResult(SampleRunResult.class);
        assertEquals(SampleRunResult.DONE, result.state(), String.valueOf(result.error()));
        assertEquals(RunState.DONE, catalog.progress().status(spec.runId()).run().state());

        int shards = 0;
        for (StepConfig step : Pipeline.steps(spec)) {
          var status =
              catalog.progress().status(spec.runId()).stages().stream()
                  .filter(s -> s.stage().equals(step.stage()))
                  .flatMap(s -> s.steps().stream())
                  .filter(s -> s.step().equals(step.step()))
                  .findFirst()
                  .orElseThrow();
          Map<Long, List<Integer>> ex = executions(spec, step);
          assertEquals(status.unitsTotal(), ex.size(), step.qualifiedName() + ": units executed");
          ex.forEach(
              (u, attempts) ->
                  assertEquals(1, attempts.size(), step.qualifiedName() + " unit " + u));
          shards +=
              (int)
                  ((status.unitsTotal() + (long) step.unitsPerTask() * step.tasksPerShard() - 1)
                      / ((long) step.unitsPerTask() * step.tasksPerShard()));
        }
        // stitch failed every unit's first attempt: Kubernetes ran the index again, and the pod
        // knew its attempt
        StepConfig stitch =
            Pipeline.steps(spec).stream()
                .filter(s -> s.stage().equals("stitch"))
                .findFirst()
                .orElseThrow();
        executions(spec, stitch).values().forEach(a -> assertEquals(List.of(2), a));
        for (JsonNode m : markers(spec, stitch)) {
          assertEquals(2, m.get("attempt").asInt(), m.toString());
          assertTrue(m.get("host").asText().endsWith("@node-a"), m.toString());
        }
        List<Job> jobs = cluster.jobs();
        assertEquals(shards, jobs.size(), "one Indexed Job per shard");
        for (Job j : jobs) {
          assertEquals("connectome", j.getMetadata().getLabels().get("app.kubernetes.io/part-of"));
          assertTrue(
              j.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Complete")));
        }
        Job segment =
            jobs.stream()
                .filter(
                    j -> "segment".equals(j.getMetadata().getLabels().get("connectome.org/stage")))
                .findFirst()
                .orElseThrow();
        assertEquals(
            "gpu", segment.getSpec().getTemplate().getSpec().getNodeSelector().get("pool"));
        System.out.printf(
            "end-to-end: %d Jobs, %d pods, %.1f s%n",
            jobs.size(), cluster.controller.podsCreated.get(), (System.nanoTime() - t0) / 1e9);
      } finally {
        env.close();
      }
    }
  }

  /** Attempts of each executed unit, from the synthetic step's execution log. */
  static Map<Long, List<Integer>> executions(RunSpec spec, StepConfig step) throws Exception {
    Path log =
        RunLayout.of(spec.dataRoot(), spec.sample(), spec.run())
            .step(step.stage(), step.step())
            .dir()
            .resolve(SyntheticUnitRunner.EXECUTION_LOG);
    Map<Long, List<Integer>> out = new TreeMap<>();
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log)) {
        String[] f = line.split("\t");
        out.computeIfAbsent(Long.parseLong(f[0]), k -> new ArrayList<>())
            .add(Integer.parseInt(f[1]));
      }
    }
    return out;
  }

  static List<JsonNode> markers(RunSpec spec, StepConfig step) throws Exception {
    Path dir =
        RunLayout.of(spec.dataRoot(), spec.sample(), spec.run())
            .step(step.stage(), step.step())
            .markersDir();
    List<JsonNode> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        out.add(new ObjectMapper().readTree(f.toFile()));
      }
    }
    assertTrue(!out.isEmpty(), "markers in " + dir);
    return out;
  }
}
