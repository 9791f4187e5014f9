package org.connectome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real acquisition from the simulated microscope with a section missing its coordinate file and
 * another with more unusable lines than its limit: the run fails with one line per section naming
 * the file and the lines, and no stack trace reaches the terminal.
 */
class IngestMessagesCliTest {
  @TempDir Path dir;

  @AfterEach
  void stopServer() {
    CliProcess.stopServer(dir.resolve("home"));
  }

  @Test
  void ingestFailuresAreOneLineEachWithoutStackTraces() throws Exception {
    Path home = dir.resolve("home");
    CliProcess sim =
        CliProcess.start(
            home, "simulate", "--preset", "smoke", "--out", dir.resolve("microscope").toString());
    assertEquals(ExitCodes.OK, sim.await(120), sim.output());
    Path acq;
    try (Stream<Path> s = Files.list(dir.resolve("microscope"))) {
      acq = s.filter(p -> p.getFileName().toString().contains("_20")).findFirst().orElseThrow();
    }
    List<Path> sections;
    try (Stream<Path> s = Files.list(acq)) {
      sections = s.filter(Files::isDirectory).sorted().toList();
    }
    Files.delete(sections.get(0).resolve("full_image_coordinates.txt"));
    Files.writeString(
        sections.get(1).resolve("full_image_coordinates.txt"),
        "notes one\r\nnotes two\r\nnotes three\r\n",
        StandardOpenOption.APPEND);
    Path spec = dir.resolve("ingest.yaml");
    Files.writeString(
        spec,
        """
        sample: m
        run: r1
        acquisition: ACQ
        dataRoot: data
        voxelSize: {x: 8, y: 8, z: 33}
        executor: {type: local, local: {launcher: process, maxConcurrentTasks: 2}}
        autoResume: {maxResumes: 0}
        stages:
          - {stage: ingest, implementation: reference, params: {maxBadTiles: 2}}
        """
            .replace("ACQ", acq.toString()));
    CliProcess run = CliProcess.start(home, "run", spec.toString(), "--metrics-port", "-1");
    assertEquals(ExitCodes.RUN_FAILED, run.await(180), run.output());
    String out = run.output();
    assertFalse(out.contains("\tat "), "no stack trace:\n" + out);
    assertFalse(out.contains("Encountered an error executing step"), out);
    assertTrue(out.contains("has no full_image_coordinates.txt"), out);
    assertTrue(out.contains("3 tiles quarantined (allowed: 2)"), out);
    assertTrue(out.contains("full_image_coordinates.txt:"), out);
    assertFalse(out.contains("no tile quarantined"), out);
  }
}
