package org.connectome.k8s.it;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.connectome.catalog.Catalog;
import org.connectome.executor.RoutingExecutor;
import org.connectome.executor.StageExecutor;
import org.connectome.ingest.IngestExecutor;
import org.connectome.ingest.IngestStore;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.simulator.SimulatedMicroscope;
import org.connectome.simulator.SimulationParams;
import org.connectome.simulator.SimulationResult;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.workflows.PlatformWorkers;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;

/**
 * A small sample from the simulated microscope (the {@code demo} preset cut to four sections) taken
 * through all seven stages with their reference implementations, the demo's chain at a size a test
 * can afford; and how to run it on a given executor, as a worker does (ingest inside the worker,
 * every other stage on the executor).
 */
final class DemoSample {
  private static final String SPEC =
      """
      sample: demo4
      run: RUN
      acquisition: ACQ
      dataRoot: DATA
      voxelSize: {x: 8, y: 8, z: 33}
      volume: {sections: SECTIONS, width: WIDTH, height: HEIGHT, mfovsPerSection: MFOVS, beams: 7}
      EXECUTOR
      defaults:
        tasksPerShard: 2
        shardsInFlight: 2
        retry: {maxAttempts: 3, initialBackoff: 200ms, maxBackoff: 2s}
        resources: {cpu: "1", memory: 512Mi}
      stages:
        - {stage: ingest, implementation: reference, unitsPerTask: 2, params: {maxBadTiles: 2}}
        - {stage: stitch, implementation: reference, unitsPerTask: 2, params: {maxResidualPx: 2.0, qcStatistic: max}}
        - stage: align
          implementation: reference
          params: {renderBlockSize: [512, 512, 16]}
          steps:
            pairs: {unitsPerTask: 2}
        - stage: segment
          implementation: reference
          params: {subvolumeSize: [512, 512, 16], subvolumeOverlap: [32, 32, 4], blockSize: [512, 512, 16]}
          steps:
            inference: {unitsPerTask: 1}
        - {stage: synapses, implementation: reference, unitsPerTask: 3, params: {blockSize: [512, 512, 16]}}
        - stage: compress
          implementation: reference
          unitsPerTask: 8
          params: {blockSize: [512, 512, 16]}
          steps:
            segmentation: {params: {mesh: mesh, segmentProperties: segment_properties}}
        - stage: mesh
          implementation: reference
          params: {blockSize: [512, 512, 16], blockOverlap: [1, 1, 1], mergeShards: 2, simplify: {ratio: 0.05, maxError: 16}}
          steps:
            blocks: {unitsPerTask: 3}
      """;

  final SimulationResult sim;
  final SimulationParams params;

  /** The sample taken through the chain on the local executor, once per test JVM. */
  record LocalRun(DemoSample sample, RunSpec spec, Path dir) {}

  private static LocalRun local;

  /**
   * The sample simulated and run to its end on the local executor (threads of this JVM) in a folder
   * of its own, shared by the tests of this JVM that compare against it or run its steps again.
   */
  static synchronized LocalRun local() throws Exception {
    if (local != null) {
      return local;
    }
    Path dir = Files.createTempDirectory("cx-demo4-");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    Exec.run(
                        java.util.List.of("rm", "-rf", dir.toString()),
                        Map.of(),
                        java.time.Duration.ofMinutes(1));
                  } catch (Exception e) {
                    System.err.println("removing " + dir + ": " + e);
                  }
                }));
    // the pods' and containers' user (10001) passes through and writes into folders this JVM makes
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Exec.ok(
        java.util.List.of(
            "setfacl", "-R", "-m", "u:10001:rwx", "-d", "-m", "u:10001:rwx", data.toString()),
        Map.of(),
        java.time.Duration.ofSeconds(30));
    DemoSample sample = simulate(dir.resolve("microscope"));
    RunSpec spec =
        sample.spec(
            "r1",
            data,
            "executor: {type: local, local: {launcher: process, maxConcurrentTasks: 2}}",
            dir);
    // child JVMs as the demo runs them: tasks on threads of one JVM share the stitch stage's static
    // FFT plans (JTransforms objects that are not thread-safe), and align.pairs then fails or
    // drifts
    SampleRunResult result =
        run(
            spec,
            new org.connectome.executor.local.LocalExecutor(
                org.connectome.executor.local.ProcessTaskLauncher.withOwnClassPath(
                    java.util.List.of("-Xmx512m")),
                2),
            dir.resolve("catalog"));
    if (!SampleRunResult.DONE.equals(result.state())) {
      throw new IllegalStateException("the local run of the demo sample: " + result.error());
    }
    local = new LocalRun(sample, spec, dir);
    return local;
  }

  private DemoSample(SimulationResult sim, SimulationParams params) {
    this.sim = sim;
    this.params = params;
  }

  /** Simulates the acquisition into {@code dir}. */
  static DemoSample simulate(Path dir) throws IOException {
    SimulationParams p = SimulationParams.preset("demo").toBuilder().sections(4).build();
    return new DemoSample(SimulatedMicroscope.generate(dir, p, 2), p);
  }

  /** The run's spec: {@code executorYaml} is the spec's {@code executor:} entry. */
  RunSpec spec(String run, Path dataRoot, String executorYaml, Path specDir) throws Exception {
    String text =
        SPEC.replace("RUN", run)
            .replace("ACQ", sim.acquisition().toString())
            .replace("DATA", dataRoot.toString())
            .replace("SECTIONS", Integer.toString(sim.sections()))
            .replace("WIDTH", Integer.toString(sim.width()))
            .replace("HEIGHT", Integer.toString(sim.height()))
            .replace("MFOVS", Integer.toString(params.mfovs()))
            .replace("EXECUTOR", executorYaml);
    return new RunSpecLoader().parse(text, "smoke.yaml", specDir);
  }

  /**
   * Runs {@code spec} to its end on Temporal's test server with the real workflows and catalog:
   * ingest in this JVM, every other step on {@code executor}.
   */
  static SampleRunResult run(RunSpec spec, StageExecutor executor, Path catalogDir)
      throws Exception {
    try (Catalog catalog = Catalog.open(Catalog.h2FileUrl(catalogDir))) {
      PrometheusRegistry registry = new PrometheusRegistry();
      StageExecutor routed =
          new RoutingExecutor(
              executor,
              Map.of(
                  IngestExecutor.ROUTE,
                  IngestExecutor.create(IngestStore.open(catalog), registry, 2)));
      TestWorkflowEnvironment env =
          TestWorkflowEnvironment.newInstance(
              TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
      try {
        PlatformWorkers.register(
            env.getWorkerFactory(), catalog, routed, new PlatformMetrics(registry));
        org.connectome.workflows.RunSearchAttributes.ensureRegistered(
            env.getOperatorServiceStubs(), env.getNamespace(), true);
        env.start();
        RunLauncher.Launch launch = new RunLauncher(env.getWorkflowClient()).launch(spec, 0, null);
        return env.getWorkflowClient()
            .newUntypedWorkflowStub(launch.execution(), Optional.empty())
            .getResult(SampleRunResult.class);
      } finally {
        env.close();
      }
    }
  }

  /**
   * SHA-256 of every output file below {@code dir}, by path relative to it; markers, logs, task
   * reports and step definitions (they name hosts, times, attempts and absolute paths) left out,
   * and JSON files compared by content without compute times ({@link #jsonDigest}).
   */
  static Map<String, String> checksums(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String rel = dir.relativize(f).toString();
        if (rel.matches("(^|.*/)(markers|logs|reports)/.*") || rel.endsWith("step.json")) {
          continue;
        }
        out.put(rel, rel.endsWith(".json") || rel.endsWith("/info") ? jsonDigest(f) : sha256(f));
      }
    }
    return out;
  }

  /**
   * A JSON file's content: keys in order (a writer's map order is no output), fields named {@code
   * seconds} (a unit's compute time) left out; files that are not JSON by their bytes.
   */
  static String jsonDigest(Path f) throws IOException {
    com.fasterxml.jackson.databind.JsonNode n;
    try {
      n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile());
    } catch (IOException notJson) {
      return sha256(f);
    }
    StringBuilder b = new StringBuilder();
    canonical(n, b);
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void canonical(com.fasterxml.jackson.databind.JsonNode n, StringBuilder b) {
    if (n.isObject()) {
      java.util.TreeMap<String, com.fasterxml.jackson.databind.JsonNode> fields = new TreeMap<>();
      n.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
      fields.remove("seconds");
      b.append('{');
      fields.forEach(
          (k, v) -> {
            b.append('"').append(k).append("\":");
            canonical(v, b);
            b.append(',');
          });
      b.append('}');
    } else if (n.isArray()) {
      b.append('[');
      for (com.fasterxml.jackson.databind.JsonNode x : n) {
        canonical(x, b);
        b.append(',');
      }
      b.append(']');
    } else {
      b.append(n.toString());
    }
  }

  static String sha256(Path f) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
