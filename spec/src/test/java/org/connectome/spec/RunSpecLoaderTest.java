package org.connectome.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RunSpecLoaderTest {
  private final RunSpecLoader loader = new RunSpecLoader();

  static Path resource(String name) {
    try {
      return Path.of(RunSpecLoaderTest.class.getClassLoader().getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> messages(InvalidSpecException e) {
    return e.errors().stream().map(SpecError::toString).toList();
  }

  private List<String> errorsOf(String yaml) {
    InvalidSpecException e =
        assertThrows(
            InvalidSpecException.class, () -> loader.parse(yaml, "run.yaml", Path.of("/x")));
    return messages(e);
  }

  @Test
  void fullSpecLoadsEveryField() throws Exception {
    Path file = resource("valid/full.yaml");
    RunSpec spec = loader.load(file);
    Path dir = file.getParent();
    assertEquals("h01", spec.sample());
    assertEquals("full-2024.1_a", spec.run());
    assertEquals("h01/full-2024.1_a", spec.runId());
    assertEquals(dir.resolve("../acquisitions/h01").normalize().toString(), spec.acquisition());
    assertEquals(dir.resolve("out/data").toString(), spec.dataRoot());
    assertEquals(new VoxelSize(8, 8, 33.5), spec.voxelSize());
    assertEquals(new VolumeSpec(5300L, 3_000_000_000L, 2_000_000L, 700, 61), spec.volume());
    assertEquals(
        new ExecutorSpec(
            "kubernetes",
            new LocalExecutorSpec(4, "thread", List.of("-Xmx2g", "-XX:+UseG1GC")),
            new KubernetesExecutorSpec(
                "connectome",
                "registry.example.org/connectome/tasks:1.0",
                "connectome-tasks",
                "em-data",
                3600,
                "batch-low",
                "em-queue",
                Map.of("pool", "cpu", "zone", "a"))),
        spec.executor());
    assertEquals(
        new StageSettings(
            8,
            100,
            20,
            2,
            new RetrySpec(3, Duration.ofSeconds(10), 2.0, Duration.ofMinutes(5), List.of(2, 64)),
            new FailureBudget(10L, 0.001),
            new Resources("500m", "2Gi", 0),
            Duration.ofHours(2),
            "connectome-shards"),
        spec.defaults());
    assertEquals(
        new AutoResumeSpec(5, Duration.ofMinutes(1), 1.5, Duration.ofHours(1)), spec.autoResume());
    assertEquals(
        List.of("ingest", "align", "segment"),
        spec.stages().stream().map(StageSpec::stage).toList());

    StageSpec align = spec.stages().get(1);
    assertEquals(
        Map.of(
            "unitMillis",
            5,
            "seed",
            42,
            "label",
            "007",
            "flags",
            List.of("a", "b"),
            "nested",
            Map.of("k", 1.25, "on", true)),
        align.params());
    assertEquals(Duration.ofSeconds(90), align.steps().get("solve").timeout());
    assertEquals(
        new StepSpec(
            Map.of("mip", 2),
            4,
            50,
            10,
            3,
            new RetrySpec(2, Duration.ofMillis(500), 1.0, Duration.ofDays(1), List.of()),
            new FailureBudget(0L, 0.0),
            new Resources("2", "8Gi", 1),
            Duration.ofMinutes(30),
            "render-queue"),
        align.steps().get("render"));

    StageSpec segment = spec.stages().get(2);
    assertEquals(
        new ContainerSpec(
            "registry.example.org/ffn:2",
            List.of(
                "python",
                "-m",
                "ffn.run",
                "--start={unitStart}",
                "--end={unitEnd}",
                "{params.model}"),
            Map.of("OMP_NUM_THREADS", "4")),
        segment.container());
    assertEquals(
        new KubernetesStageSpec(
            Map.of("cloud.google.com/gke-accelerator", "nvidia-tesla-t4"),
            List.of(new TolerationSpec("nvidia.com/gpu", "Exists", null, "NoSchedule")),
            "connectome-gpu"),
        segment.kubernetes());
    assertEquals(
        new StageSpec(
            "segment",
            "container",
            Map.of("model", "ffn-h01"),
            Map.of(),
            segment.container(),
            segment.kubernetes(),
            1,
            10,
            5,
            4,
            new RetrySpec(4, null, null, null, null),
            new FailureBudget(null, 0.5),
            new Resources("1.5", "16G", 1),
            Duration.ofMinutes(90),
            "gpu-shards"),
        segment);
  }

  @Test
  void fullSpecRoundTripsThroughJsonAndYaml() throws Exception {
    RunSpec spec = loader.load(resource("valid/full.yaml"));
    String json = RunSpecLoader.toJson(spec);
    assertEquals(spec, RunSpecLoader.fromJson(json));
    assertEquals(json, RunSpecLoader.toJson(RunSpecLoader.fromJson(json)), "stable output");
    assertTrue(json.contains("\"timeout\":\"PT2H\""), json);
    assertTrue(!json.contains("null"), json);
    String yaml = RunSpecLoader.toYaml(spec);
    assertEquals(spec, loader.parse(yaml, "stored.yaml", Path.of("/elsewhere")));
  }

  @Test
  void minimalSpecGetsDefaultDataRoot(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("run.yaml");
    Files.copy(resource("valid/minimal.yaml"), file);
    RunSpec spec = loader.load(file);
    assertEquals(dir.resolve("data").toString(), spec.dataRoot());
    assertEquals(null, spec.acquisition());
    assertEquals(Map.of(), spec.stages().get(0).params());
    assertEquals(spec, RunSpecLoader.fromJson(RunSpecLoader.toJson(spec)));
  }

  @Test
  void relativePathsResolveAgainstTheSpecsFolder(@TempDir Path dir) throws Exception {
    Path sub = Files.createDirectories(dir.resolve("specs/h01"));
    Path file = sub.resolve("run.yaml");
    Files.writeString(
        file,
        """
        sample: h01
        run: r1
        acquisition: ../../acq/./h01
        dataRoot: ~/connectome/out
        stages: [{stage: ingest, implementation: reference}]
        """);
    RunSpec spec = loader.load(file);
    assertEquals(dir.resolve("acq/h01").toAbsolutePath().toString(), spec.acquisition());
    assertEquals(
        Path.of(System.getProperty("user.home"), "connectome", "out").toString(), spec.dataRoot());
    RunSpec absolute =
        loader.parse(
            "sample: a\nrun: b\ndataRoot: /srv/em/../data\nstages: [{stage: mesh, implementation: synthetic}]",
            "x.yaml",
            sub);
    assertEquals(Path.of("/srv/data").toAbsolutePath().toString(), absolute.dataRoot());
  }

  static Stream<Path> invalidSpecs() throws IOException {
    try (Stream<Path> files = Files.list(resource("invalid"))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @Test
  void thereAreManyInvalidExamples() throws IOException {
    assertTrue(invalidSpecs().count() >= 15);
  }

  /** Each file under invalid/ starts with its expected errors, one {@code # expect: } line each. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSpecs")
  void invalidSpecGivesTheDocumentedErrors(Path file) throws IOException {
    String text = Files.readString(file);
    List<String> expected =
        text.lines()
            .filter(l -> l.startsWith("# expect: "))
            .map(l -> l.substring("# expect: ".length()))
            .toList();
    assertTrue(!expected.isEmpty(), "no '# expect:' line in " + file);
    InvalidSpecException e =
        assertThrows(
            InvalidSpecException.class,
            () -> loader.parse(text, file.getFileName().toString(), file.getParent()));
    assertEquals(expected, messages(e));
    assertEquals(String.join("\n", expected), e.getMessage());
  }

  @Test
  void stepOrderIsGraphOrChain(@TempDir Path dir) throws IOException, InvalidSpecException {
    String stages = "stages:\n  - {stage: ingest, implementation: reference}\n";
    Path chain = dir.resolve("chain.yaml");
    Files.writeString(chain, "sample: h01\nrun: r1\nstepOrder: chain\n" + stages);
    assertTrue(loader.load(chain).chained());
    Path graph = dir.resolve("graph.yaml");
    Files.writeString(graph, "sample: h01\nrun: r1\n" + stages);
    assertFalse(loader.load(graph).chained());
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "sample: h01\nrun: r1\nstepOrder: sideways\n" + stages);
    InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> loader.load(bad));
    assertEquals(List.of(bad + ":3: stepOrder: must be one of: graph, chain"), messages(e));
  }

  @Test
  void loadNamesTheFileAsGiven(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(
        file,
        "sample: h01\nrun: r1\nstages:\n  - {stage: ingest, implementation: reference, parallelism: -2}\n");
    InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> loader.load(file));
    assertEquals(List.of(file + ":4: stages[0].parallelism: must be > 0"), messages(e));
    assertEquals(
        new SpecError(file.toString(), 4, "stages[0].parallelism", "must be > 0"),
        e.errors().get(0));
  }

  @Test
  void yamlSyntaxErrorHasItsLineAndNoStackTrace() {
    List<String> errors =
        errorsOf("sample: h01\nrun: r1\nstages:\n  - {stage: ingest, implementation: reference\n");
    assertEquals(1, errors.size());
    assertTrue(
        errors.get(0).startsWith("run.yaml:5: YAML syntax error at column 1: "), errors.get(0));
    assertTrue(
        !errors.get(0).contains("\n") && !errors.get(0).contains("Exception"), errors.get(0));
  }

  @Test
  void unknownFieldSuggestsTheNearestKnownOne() {
    assertEquals(
        List.of(
            "run.yaml:1: stages: is required",
            "run.yaml:3: stagse: unknown field; did you mean 'stages'?",
            "run.yaml:4: defaults.Parallelism: unknown field; did you mean 'parallelism'?",
            "run.yaml:5: defaults.retyr: unknown field; did you mean 'retry'?",
            "run.yaml:6: defaults.resources.memroy: unknown field; did you mean 'memory'?",
            "run.yaml:7: defaults.somethingElse: unknown field"),
        errorsOf(
            """
            sample: h01
            run: r1
            stagse: []
            defaults: {Parallelism: 3,
              retyr: {},
              resources: {memroy: 1Gi},
              somethingElse: 1}
            """));
  }

  @Test
  void customChecksRunAfterTheBuiltInOnesAndGetLines() {
    SpecCheck unitMillis =
        (spec, errors) -> {
          for (int i = 0; i < spec.stages().size(); i++) {
            Object v = spec.stages().get(i).params().get("unitMillis");
            if (v instanceof Integer n && n > 1000) {
              errors.add(
                  "stages[" + i + "].params.unitMillis",
                  "must be at most 1000 for a synthetic stage");
            }
          }
          errors.add(
              "stages[1].steps.pairs.params.missing", "the line of the nearest existing ancestor");
        };
    String yaml =
        """
        sample: h01
        run: r1
        stages:
          - stage: stitch
            implementation: synthetic
            params:
              unitMillis: 5000
          - stage: align
            implementation: synthetic
            steps:
              pairs: {unitsPerTask: 2}
              bogus: {}
        """;
    InvalidSpecException e =
        assertThrows(
            InvalidSpecException.class,
            () -> new RunSpecLoader(List.of(unitMillis)).parse(yaml, "run.yaml", Path.of("/x")));
    assertEquals(
        List.of(
            "run.yaml:7: stages[0].params.unitMillis: must be at most 1000 for a synthetic stage",
            "run.yaml:11: stages[1].steps.pairs.params.missing: the line of the nearest existing ancestor",
            "run.yaml:12: stages[1].steps.bogus: stage 'align' has no step 'bogus' (steps: pairs, solve, render)"),
        messages(e));
  }

  @Test
  void numbersAreAcceptedForDurationsAndQuantities() throws InvalidSpecException {
    RunSpec spec =
        loader.parse(
            """
        sample: h01
        run: r1
        defaults: {timeout: 1.5, resources: {cpu: 0.25, memory: 1073741824}}
        stages: [{stage: ingest, implementation: reference}]
        """,
            "run.yaml",
            Path.of("/x"));
    assertEquals(Duration.ofMillis(1500), spec.defaults().timeout());
    assertEquals(0.25, Quantities.cpuCores(spec.defaults().resources().cpu()));
    assertEquals(1L << 30, Quantities.bytes(spec.defaults().resources().memory()));
  }

  @Test
  void fromJsonRejectsGarbageAndIgnoresUnknownFields() {
    assertThrows(IllegalArgumentException.class, () -> RunSpecLoader.fromJson("[1]"));
    RunSpec spec =
        RunSpecLoader.fromJson("{\"sample\":\"a\",\"run\":\"b\",\"future\":1,\"stages\":[]}");
    assertEquals("a/b", spec.runId());
  }
}
