package org.connectome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import org.connectome.tasks.synthetic.SyntheticUnitRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs that go missing, are cut short or change after their units finished, and markers that are
 * damaged: a relaunch runs those units again, {@code verify} finds what sizes cannot, {@code
 * --repair} and {@code redo} run units again. Each command is a separate JVM on the embedded
 * default, as an operator runs it.
 */
class VerifyRedoCliTest {
  @TempDir Path dir;

  @AfterEach
  void stopServer() {
    CliProcess.stopServer(dir.resolve("home"));
  }

  private Path spec() throws IOException {
    Path f = dir.resolve("v.yaml");
    Files.writeString(
        f,
        """
        sample: v
        run: r1
        dataRoot: data
        volume: {sections: 8, width: 1024, height: 1024}
        executor: {type: local, local: {launcher: thread, maxConcurrentTasks: 2}}
        defaults: {unitsPerTask: 2, tasksPerShard: 2}
        stages:
          - {stage: ingest, implementation: synthetic, params: {unitMillis: 1, outputBytes: 100}}
          - {stage: stitch, implementation: synthetic, params: {unitMillis: 1, outputBytes: 100}}
          - stage: align
            implementation: synthetic
            params: {unitMillis: 1, outputBytes: 100, renderBlockSize: [512, 512, 8]}
        """);
    return f;
  }

  private Path step(String stage, String step) {
    return dir.resolve("data/v/r1/stages").resolve(stage).resolve(step);
  }

  private Path output(String stage, String step, int unit) throws IOException {
    try (var files = Files.list(step(stage, step).resolve("output/000000"))) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("u" + unit + "-"))
          .findFirst()
          .orElseThrow();
    }
  }

  private Path marker(String stage, String step, int unit) throws IOException {
    try (var files = Files.list(step(stage, step).resolve("markers/000000"))) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("u" + unit + "-"))
          .findFirst()
          .orElseThrow();
    }
  }

  private Map<Long, Integer> executions(String stage, String step) throws IOException {
    Map<Long, Integer> counts = new TreeMap<>();
    for (String line :
        Files.readAllLines(step(stage, step).resolve(SyntheticUnitRunner.EXECUTION_LOG))) {
      counts.merge(Long.parseLong(line.split("\t")[0]), 1, Integer::sum);
    }
    return counts;
  }

  private CliProcess cli(String... args) throws IOException {
    return CliProcess.start(dir.resolve("home"), args);
  }

  @Test
  void relaunchVerifyRepairAndRedoRunAgainExactlyWhatIsDamaged() throws Exception {
    Path spec = spec();
    CliProcess run = cli("run", spec.toString(), "--metrics-port", "-1");
    assertEquals(ExitCodes.OK, run.await(120), run.output());

    // deleted and cut-short outputs, a zero-byte and a garbage marker: sizes tell
    Files.delete(output("stitch", "stitch", 1));
    Files.write(output("stitch", "stitch", 2), new byte[10]);
    Files.write(marker("stitch", "stitch", 3), new byte[0]);
    Files.writeString(marker("stitch", "stitch", 4), "{garbage");
    // a changed byte: only the checksum tells
    Files.write(output("ingest", "ingest", 5), new byte[] {7}, StandardOpenOption.WRITE);

    CliProcess verify = cli("verify", "v/r1");
    assertEquals(ExitCodes.RUN_FAILED, verify.await(60), verify.output());
    String v = verify.output();
    assertTrue(v.contains("unit 5: output checksum differs"), v);
    assertTrue(v.contains("unit 1: output missing"), v);
    assertTrue(v.contains("unit 2: output of the wrong size"), v);
    assertTrue(v.contains("unit 3: marker empty"), v);
    assertTrue(v.contains("unit 4: marker unreadable"), v);
    assertTrue(v.contains("5 of 28 finished units have damaged outputs"), v);

    CliProcess again = cli("run", spec.toString(), "--metrics-port", "-1");
    assertEquals(ExitCodes.OK, again.await(120), again.output());
    assertEquals(
        Map.of(0L, 1, 1L, 2, 2L, 2, 3L, 2, 4L, 2, 5L, 1, 6L, 1, 7L, 1),
        executions("stitch", "stitch"));
    CliProcess status = cli("status", "v/r1");
    assertEquals(ExitCodes.OK, status.await(60));
    assertTrue(
        status.output().contains("4 units of stitch.stitch redone: marker empty"), status.output());

    CliProcess repair = cli("verify", "v/r1", "--repair", "--metrics-port", "-1");
    assertEquals(ExitCodes.USAGE, repair.await(60), "verify takes no --metrics-port");
    repair = cli("verify", "v/r1", "--repair");
    assertEquals(ExitCodes.OK, repair.await(120), repair.output());
    assertEquals(2, executions("ingest", "ingest").get(5L));
    CliProcess clean = cli("verify", "v/r1");
    assertEquals(ExitCodes.OK, clean.await(60), clean.output());
    assertTrue(clean.output().contains("the outputs of all 28 finished units are intact"));

    // redo one section of stitch: the alignment made from it runs again, ingest does not
    CliProcess redo = cli("redo", "v/r1", "--step", "stitch.stitch", "--units", "6", "--resume");
    assertEquals(ExitCodes.OK, redo.await(120), redo.output());
    assertTrue(redo.output().contains("align.pairs            all 7 units"), redo.output());
    assertEquals(2, executions("stitch", "stitch").get(6L));
    assertEquals(1, executions("stitch", "stitch").get(7L));
    assertTrue(executions("align", "pairs").values().stream().allMatch(n -> n == 2));
    assertTrue(executions("ingest", "ingest").values().stream().allMatch(n -> n <= 2));
    CliProcess bad = cli("redo", "v/r1", "--step", "stitch.stitch", "--units", "8");
    assertEquals(ExitCodes.USAGE, bad.await(60));
    assertTrue(bad.output().contains("stitch.stitch has units 0-7 only"), bad.output());
  }
}
