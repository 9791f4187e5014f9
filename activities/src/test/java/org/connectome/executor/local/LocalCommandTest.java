package org.connectome.executor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.connectome.executor.FailureKind;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.TaskResult;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.markers.MarkerStore;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Json;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.TaskRetry;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.spec.ContainerSpec;
import org.connectome.spec.Resources;
import org.connectome.task.TaskDefinition;
import org.connectome.units.Grouping;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local command implementation: a facility's program per task on the local executor, with the
 * container's placeholders and completion rule. Real processes throughout: {@code sh}, {@code
 * sleep} and, for the real tool, zmesh and TensorStore from PyPI in the project's pinned
 * environment ({@code tools/python/kernels.txt}, made by {@code tools/pyenv}; that test is skipped
 * when the environment cannot be made, unless {@code CX_REQUIRE_KERNELS=1} as in CI).
 */
class LocalCommandTest {
  private static final String HASH = "cmd123";
  private static final Path CHECKOUT = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path dir;

  private final List<LocalExecutor> executors = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    executors.forEach(LocalExecutor::close);
    ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
  }

  private LocalExecutor executor() {
    // the platform's own launcher, as a worker has it; command steps do not use it
    LocalExecutor e = new LocalExecutor(ProcessTaskLauncher.withOwnClassPath(List.of()), 2);
    executors.add(e);
    return e;
  }

  private StepLayout define(
      String stage, String step, UnitSpace units, int unitsPerTask, ContainerSpec program)
      throws IOException {
    StepLayout layout = new StepLayout(dir.resolve("stages").resolve(stage).resolve(step));
    new TaskDefinition(
            "s/r",
            stage,
            step,
            Pipeline.COMMAND,
            params(),
            HASH,
            "test",
            new StepPlan(units, new Grouping(units.unitCount(), unitsPerTask, 100)),
            dir.toString(),
            null,
            program)
        .write(layout.definitionFile());
    return layout;
  }

  private Map<String, Object> params() {
    return Map.of(
        "script",
        CHECKOUT.resolve("examples/command/zmesh_mesh.py").toString(),
        "segmentation",
        dir.resolve("segmentation").toString(),
        "meshDir",
        "segmentation/mesh",
        "shards",
        4);
  }

  private StepConfig config(String stage, String step, ContainerSpec program, Duration timeout) {
    return new StepConfig(
        "s/r",
        "s",
        stage,
        step,
        0,
        Pipeline.COMMAND,
        params(),
        program,
        null,
        1,
        100,
        2,
        1,
        new TaskRetry(2, Duration.ofMillis(20), 2.0, Duration.ofMillis(50), List.of()),
        0,
        0.0,
        new Resources("1", "256Mi", 0),
        timeout,
        "q",
        HASH);
  }

  private List<TaskResult> run(
      String stage, String step, UnitSpace units, ContainerSpec program, Duration timeout)
      throws Exception {
    StepLayout layout = define(stage, step, units, 1, program);
    return executor()
        .runShard(
            new ShardRequest(
                config(stage, step, program, timeout),
                0,
                List.of(new UnitRange(0, units.unitCount())),
                layout.dir(),
                1,
                "s/r",
                null),
            new ShardListener() {});
  }

  private static UnitSpace sections(long n) {
    return new UnitSpace("section", n, null, "test");
  }

  private static ContainerSpec program(List<String> command, String... outputs) {
    return new ContainerSpec(null, command, Map.of(), null, List.of(outputs));
  }

  // ----------------------------------------------------------------------------------------------

  /** One bad program per row: how it fails, whether it is retried, what the message names. */
  record Row(
      String name,
      ContainerSpec program,
      Duration timeout,
      FailureKind kind,
      boolean retryable,
      int attempts,
      String messageNames) {}

  @Test
  void badProgramsGiveTypedFailures() throws Exception {
    List<Row> rows =
        List.of(
            new Row(
                "missing program",
                program(List.of("no-such-program-cx18", "{unitStart}")),
                Duration.ofMinutes(1),
                FailureKind.LAUNCH_FAILED,
                false,
                1,
                "'no-such-program-cx18' is not on the PATH"),
            new Row(
                "missing program by path",
                program(List.of("bin/absent.sh")),
                Duration.ofMinutes(1),
                FailureKind.LAUNCH_FAILED,
                false,
                1,
                "bin/absent.sh does not exist"),
            new Row(
                "unknown placeholder",
                program(List.of("sh", "-c", "true", "{unitCount}")),
                Duration.ofMinutes(1),
                FailureKind.LAUNCH_FAILED,
                false,
                1,
                "unknown placeholder {unitCount}"),
            new Row(
                "non-zero exit",
                program(List.of("sh", "-c", "echo boom on unit $CX_UNIT_START >&2; exit 7")),
                Duration.ofMinutes(1),
                FailureKind.CRASHED,
                true,
                2,
                "exit code 7"),
            new Row(
                "missing output",
                program(List.of("sh", "-c", "mkdir -p out"), "out/{unitStart}.txt"),
                Duration.ofMinutes(1),
                FailureKind.OUTPUT_MISSING,
                false,
                1,
                "declared output " + "%DIR%/out/0.txt does not exist"),
            new Row(
                "hang past the timeout",
                program(List.of("sh", "-c", "sleep 600")),
                Duration.ofSeconds(2),
                FailureKind.TIMEOUT,
                true,
                1,
                "ran past its timeout of PT2S"),
            new Row(
                "environment that cannot be made",
                new ContainerSpec(
                    null, List.of("python", "-V"), Map.of(), "tools/python/absent.txt", List.of()),
                Duration.ofMinutes(1),
                FailureKind.CONFIG_ERROR,
                false,
                0,
                "no such requirements file"));
    List<String> problems = new ArrayList<>();
    int i = 0;
    for (Row row : rows) {
      String step = "s" + i++;
      TaskResult r = run("mesh", step, sections(1), row.program(), row.timeout()).get(0);
      String expected = row.messageNames().replace("%DIR%", dir.toString());
      if (r.failure() == null
          || r.failure().kind() != row.kind()
          || r.failure().retryable() != row.retryable()
          || r.attempts() != row.attempts()
          || !r.failure().message().contains(expected)) {
        problems.add(row.name() + ": expected " + row + " but got " + r);
      }
      if (new MarkerStore(new StepLayout(dir.resolve("stages/mesh/" + step)).markersDir())
          .isDone(0, HASH)) {
        problems.add(row.name() + ": a failed task's unit was marked done");
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void aProgramStopsWhenItsLauncherDies() throws Exception {
    Path pidFile = dir.resolve("program.pid");
    // the program writes its pid and sleeps; its launcher "dies": the watchdog's input closes
    Process p =
        new ProcessBuilder(
                ProgramTasks.watched(
                    List.of("/bin/sh", "-c", "echo $$ > " + pidFile + "; exec sleep 60")))
            .redirectErrorStream(true)
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) {
      assertTrue(System.nanoTime() < deadline, "the program did not start");
      Thread.sleep(20); // polls a file the program writes
    }
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    p.getOutputStream().close();
    assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the watchdog did not end");
    assertEquals(128 + 15, p.exitValue(), "the program's own exit: stopped by TERM");
    assertFalse(
        ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
        "program " + pid + " outlived its launcher");
  }

  @Test
  void aWatchedProgramKeepsItsExitCodeArgumentsAndEmptyInput() throws Exception {
    Process p =
        new ProcessBuilder(
                ProgramTasks.watched(
                    List.of(
                        "/bin/sh",
                        "-c",
                        "echo \"[$1] [$2] [$(cat)]\"; exit 7",
                        "sh",
                        "a b",
                        "$HOME")))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(7, p.exitValue());
    assertEquals("[a b] [$HOME] []\n", out);
  }

  @Test
  void theLogTailOfAFailedProgramIsReported() throws Exception {
    TaskResult r =
        run(
                "mesh",
                "tail",
                sections(1),
                program(List.of("sh", "-c", "echo boom on unit $CX_UNIT_START >&2; exit 7")),
                Duration.ofMinutes(1))
            .get(0);
    assertNotNull(r.failure());
    assertTrue(r.logTail().contains("boom on unit 0"), r.logTail());
  }

  @Test
  void aProgramThatExitsZeroWithItsOutputsMarksItsUnitsWithThem() throws Exception {
    ContainerSpec p =
        program(
            List.of(
                "sh",
                "-c",
                "mkdir -p out && echo \"$CX_TASK $CX_UNIT_START-$CX_UNIT_END $1\""
                    + " > out/{unitStart}-{unitEnd}.txt",
                "sh",
                "{params.shards}"),
            "out/{unitStart}-{unitEnd}.txt");
    StepLayout layout = define("mesh", "ok", sections(5), 2, p);
    List<TaskResult> results =
        executor()
            .runShard(
                new ShardRequest(
                    config("mesh", "ok", p, Duration.ofMinutes(1)),
                    0,
                    List.of(new UnitRange(0, 3)),
                    layout.dir(),
                    1,
                    "s/r",
                    null),
                new ShardListener() {});
    assertTrue(results.stream().allMatch(TaskResult::succeeded), results.toString());
    assertEquals("2 4-5 4", Files.readString(dir.resolve("out/4-5.txt")).strip());
    MarkerStore markers = new MarkerStore(layout.markersDir(), dir);
    for (long u = 0; u < 5; u++) {
      assertTrue(markers.isDone(u, HASH), "unit " + u);
    }
    CompletionMarker m =
        Json.mapper()
            .readValue(
                layout.markersDir().resolve("000000").resolve("u3-" + HASH + ".json").toFile(),
                CompletionMarker.class);
    assertEquals(1, m.task());
    assertEquals(1, m.outputs().size());
    assertEquals("out/2-4.txt", m.outputs().get(0).path());
    assertEquals(Files.size(dir.resolve("out/2-4.txt")), m.outputs().get(0).size());
  }

  // ----------------------------------------------------------------------------------------------
  // a real tool from PyPI: zmesh meshing a precomputed segmentation read with TensorStore

  private static final int NX = 64, NY = 64, NZ = 16;

  /** Two boxes, one across the blocks' border: segment to its voxels {x0, x1, y0, y1, z0, z1}. */
  private static final Map<Integer, int[]> SEGMENTS =
      Map.of(5, new int[] {10, 40, 10, 30, 2, 12}, 9, new int[] {35, 60, 30, 60, 4, 16});

  private void writeSegmentation() throws IOException {
    Path seg = dir.resolve("segmentation");
    Files.createDirectories(seg.resolve("8_8_33"));
    Files.writeString(
        seg.resolve("info"),
        "{\"@type\":\"neuroglancer_multiscale_volume\",\"type\":\"segmentation\","
            + "\"data_type\":\"uint32\",\"num_channels\":1,\"scales\":[{\"key\":\"8_8_33\","
            + "\"size\":[64,64,16],\"resolution\":[8,8,33],\"voxel_offset\":[0,0,0],"
            + "\"chunk_sizes\":[[64,64,16]],\"encoding\":\"raw\"}]}");
    ByteBuffer b = ByteBuffer.allocate(NX * NY * NZ * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int z = 0; z < NZ; z++) {
      for (int y = 0; y < NY; y++) {
        for (int x = 0; x < NX; x++) {
          int label = 0;
          for (Map.Entry<Integer, int[]> e : SEGMENTS.entrySet()) {
            int[] c = e.getValue();
            if (x >= c[0] && x < c[1] && y >= c[2] && y < c[3] && z >= c[4] && z < c[5]) {
              label = e.getKey();
            }
          }
          b.putInt(label);
        }
      }
    }
    Files.write(seg.resolve("8_8_33").resolve("0-64_0-64_0-16"), b.array());
  }

  @Test
  void zmeshFromPyPiMeshesASegmentationAsAStage() throws Exception {
    assumeKernels();
    writeSegmentation();
    ContainerSpec blocks =
        new ContainerSpec(
            null,
            List.of(
                "python",
                "{params.script}",
                "blocks",
                "{params.segmentation}",
                "{bbox}",
                "{params.meshDir}"),
            Map.of(),
            "tools/python/kernels.txt",
            List.of("{params.meshDir}/*:0:{bbox}", "{params.meshDir}/blocks/{bbox}.txt"));
    UnitSpace grid =
        new UnitSpace(
            "block",
            2,
            new BlockGrid(new Vec3(NX, NY, NZ), new Vec3(32, 64, 16), new Vec3(0, 0, 0)),
            "test");
    List<TaskResult> meshed = run("mesh", "blocks", grid, blocks, Duration.ofMinutes(10));
    assertTrue(meshed.stream().allMatch(TaskResult::succeeded), meshed.toString());
    ContainerSpec manifests =
        new ContainerSpec(
            null,
            List.of(
                "python",
                "{params.script}",
                "manifests",
                "{params.meshDir}",
                "{unitStart}",
                "{unitEnd}",
                "{params.shards}"),
            Map.of(),
            "tools/python/kernels.txt",
            List.of("{params.meshDir}/info"));
    List<TaskResult> merged = run("mesh", "merge", sections(4), manifests, Duration.ofMinutes(10));
    assertTrue(merged.stream().allMatch(TaskResult::succeeded), merged.toString());

    // the completion rule: every unit marked, with the fragments it wrote
    MarkerStore markers = new MarkerStore(dir.resolve("stages/mesh/blocks/markers"), dir);
    assertTrue(markers.isDone(0, HASH) && markers.isDone(1, HASH));
    CompletionMarker m =
        Json.mapper()
            .readValue(
                dir.resolve("stages/mesh/blocks/markers/000000/u1-" + HASH + ".json").toFile(),
                CompletionMarker.class);
    assertEquals(
        List.of(
            "segmentation/mesh/5:0:32-64_0-64_0-16",
            "segmentation/mesh/9:0:32-64_0-64_0-16",
            "segmentation/mesh/blocks/32-64_0-64_0-16.txt"),
        m.outputs().stream().map(o -> o.path()).sorted().toList());

    // what Neuroglancer reads: the legacy mesh info, a manifest per segment, closed fragments
    Path meshDir = dir.resolve("segmentation/mesh");
    assertEquals(
        "neuroglancer_legacy_mesh",
        Json.mapper().readTree(meshDir.resolve("info").toFile()).get("@type").asText());
    for (Map.Entry<Integer, int[]> e : SEGMENTS.entrySet()) {
      JsonNode manifest = Json.mapper().readTree(meshDir.resolve(e.getKey() + ":0").toFile());
      double volume = 0;
      float[] lo = {Float.MAX_VALUE, Float.MAX_VALUE, Float.MAX_VALUE};
      float[] hi = {-Float.MAX_VALUE, -Float.MAX_VALUE, -Float.MAX_VALUE};
      for (JsonNode f : manifest.get("fragments")) {
        volume += LegacyFragment.read(meshDir.resolve(f.asText())).volume(lo, hi);
      }
      int[] c = e.getValue();
      double voxels = (double) (c[1] - c[0]) * (c[3] - c[2]) * (c[5] - c[4]) * 8 * 8 * 33;
      // marching cubes rounds the boxes' edges: within 2 % of the voxels' volume
      assertTrue(
          Math.abs(volume / voxels - 1) < 0.02,
          "segment " + e.getKey() + ": mesh volume " + volume + " vs voxels " + voxels);
      assertEquals(c[0] * 8, lo[0], 8.0, "segment " + e.getKey() + " x0");
      assertEquals(c[1] * 8, hi[0], 8.0, "segment " + e.getKey() + " x1");
      assertEquals(c[4] * 33, lo[2], 33.0, "segment " + e.getKey() + " z0");
      assertEquals(c[5] * 33, hi[2], 33.0, "segment " + e.getKey() + " z1");
    }
    // segment 5 crosses the blocks' border: one fragment per block
    assertEquals(
        2, Json.mapper().readTree(meshDir.resolve("5:0").toFile()).get("fragments").size());
    assertFalse(Files.exists(meshDir.resolve("0:0")), "background is not meshed");

    // three fragments, two block lists, two manifests, the info: no temporary file left behind
    try (Stream<Path> s = Files.walk(meshDir)) {
      assertEquals(8, s.filter(Files::isRegularFile).count());
    }
  }

  /** A Neuroglancer legacy mesh fragment: uint32 vertex count, float32 xyz, uint32 triangles. */
  record LegacyFragment(float[] vertices, int[] triangles) {
    static LegacyFragment read(Path f) throws IOException {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
      int n = b.getInt();
      float[] v = new float[3 * n];
      for (int i = 0; i < v.length; i++) {
        v[i] = b.getFloat();
      }
      int[] t = new int[b.remaining() / 4];
      for (int i = 0; i < t.length; i++) {
        t[i] = b.getInt();
        assertTrue(t[i] >= 0 && t[i] < n, f + ": triangle index " + t[i] + " of " + n);
      }
      assertEquals(0, t.length % 3, f + ": not whole triangles");
      return new LegacyFragment(v, t);
    }

    /** Enclosed volume (divergence theorem; positive for outward faces); widens lo/hi. */
    double volume(float[] lo, float[] hi) {
      for (int i = 0; i < vertices.length; i++) {
        lo[i % 3] = Math.min(lo[i % 3], vertices[i]);
        hi[i % 3] = Math.max(hi[i % 3], vertices[i]);
      }
      double v = 0;
      for (int i = 0; i < triangles.length; i += 3) {
        int a = 3 * triangles[i], b = 3 * triangles[i + 1], c = 3 * triangles[i + 2];
        double[] p = {vertices[a], vertices[a + 1], vertices[a + 2]};
        double[] q = {vertices[b], vertices[b + 1], vertices[b + 2]};
        double[] r = {vertices[c], vertices[c + 1], vertices[c + 2]};
        v +=
            (p[0] * (q[1] * r[2] - q[2] * r[1])
                    - p[1] * (q[0] * r[2] - q[2] * r[0])
                    + p[2] * (q[0] * r[1] - q[1] * r[0]))
                / 6;
      }
      return v;
    }
  }

  /** The pinned kernels environment, made by tools/pyenv; skipped without it unless required. */
  private static void assumeKernels() throws Exception {
    Process p =
        new ProcessBuilder(
                CHECKOUT.resolve("tools/pyenv").toString(),
                CHECKOUT.resolve("tools/python/kernels.txt").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean ok = p.waitFor() == 0;
    if ("1".equals(System.getenv("CX_REQUIRE_KERNELS"))) {
      assertTrue(
          ok, "CX_REQUIRE_KERNELS=1 but tools/pyenv tools/python/kernels.txt failed: " + out);
    }
    assumeTrue(ok, "no kernels environment (tools/pyenv tools/python/kernels.txt): " + out);
  }

  @Test
  void theStepsOwnEnvironmentReachesTheProgram() throws Exception {
    ContainerSpec p =
        new ContainerSpec(
            null,
            List.of("sh", "-c", "echo \"$GREETING $CX_STEP_DIR\" > greeting.txt"),
            Map.of("GREETING", "hello"),
            null,
            List.of("greeting.txt"));
    TaskResult r = run("mesh", "env", sections(1), p, Duration.ofMinutes(1)).get(0);
    assertNull(r.failure(), r.toString());
    assertEquals(
        "hello " + dir.resolve("stages/mesh/env"),
        Files.readString(dir.resolve("greeting.txt")).strip());
  }
}
