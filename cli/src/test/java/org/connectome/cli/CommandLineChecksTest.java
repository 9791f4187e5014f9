package org.connectome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code validate} and {@code run} refuse before anything starts, each with one line naming
 * the file, line and field, and bad command lines: exit code 2, one line, no stack trace. Real
 * files and folders of this machine ({@code /proc} is Linux's).
 */
class CommandLineChecksTest {
  @TempDir Path dir;

  private Path spec(String acquisition, String dataRoot, int sections) throws Exception {
    Path f = dir.resolve("run.yaml");
    Files.writeString(
        f,
        """
        sample: s
        run: r1
        acquisition: ACQ
        dataRoot: ROOT
        volume: {sections: SECTIONS, width: 512, height: 512}
        stages:
          - {stage: ingest, implementation: reference}
        """
            .replace("ACQ", acquisition)
            .replace("ROOT", dataRoot)
            .replace("SECTIONS", Integer.toString(sections)));
    return f;
  }

  private String load(Path spec) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    var loaded = SpecFiles.load(spec, new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = err.toString(StandardCharsets.UTF_8);
    return (loaded == null ? "REFUSED\n" : "") + text;
  }

  private Path acquisition(int sections) throws Exception {
    Path acq = dir.resolve("acq" + sections);
    Files.createDirectories(acq);
    for (int i = 1; i <= sections; i++) {
      Files.createDirectories(acq.resolve(String.format("%03d_S%dR1", i, i)));
    }
    return acq;
  }

  @Test
  @Timeout(60)
  void theWorldIsCheckedBeforeAnythingStarts() throws Exception {
    Path three = acquisition(3);
    Path root = dir.resolve("runs");
    Path file = dir.resolve("run.yaml");
    assertEquals(
        "REFUSED\n"
            + file
            + ":3: acquisition: no such folder: "
            + dir.resolve("nope")
            + "\n1 problem in "
            + file
            + "; nothing was started\n",
        load(spec("nope", root.toString(), 3)));
    acquisition(0);
    assertTrue(load(spec("acq0", root.toString(), 1)).contains("holds no section folders"));
    Files.writeString(dir.resolve("afile"), "x");
    assertTrue(load(spec("afile", root.toString(), 1)).contains("afile is not a folder"));
    String warned = load(spec(three.toString(), root.toString(), 10));
    assertTrue(
        warned.contains(
            ":5: warning: volume.sections: is 10 but the acquisition holds 3 section folders; the"
                + " run plans the 3 it finds"),
        warned);
    assertTrue(!warned.startsWith("REFUSED"), warned);
    assertTrue(
        load(spec(three.toString(), dir.resolve("afile/runs").toString(), 3))
            .contains(
                "dataRoot: cannot create "
                    + dir.resolve("afile/runs")
                    + ": "
                    + dir.resolve("afile")
                    + " is a file, not a folder"));
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux /proc");
    assertTrue(
        load(spec(three.toString(), "/proc/self/runs", 3))
            .contains("dataRoot: /proc/self/runs is on a proc file system, which keeps no files"));
  }

  @Test
  void specFilesThatAreNotTextAreRefusedUnopened() throws Exception {
    Path binary = dir.resolve("binary.yaml");
    Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80});
    assertTrue(
        load(binary).contains("binary.yaml: not a text file (a run spec is YAML, in UTF-8)"));
    Path fifo = dir.resolve("fifo.yaml");
    assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0);
    assertTrue(load(fifo).contains("fifo.yaml: not a regular file"));
  }

  @Test
  void aBadCommandLineIsExitCodeTwoWithOneLine() throws Exception {
    Path spec = spec(acquisition(1).toString(), dir.resolve("runs").toString(), 1);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertEquals(2, Main.execute("run", spec.toString(), "--metrics-port", "99999"));
      assertEquals(2, Main.execute("run", spec.toString(), "--max-concurrent-tasks", "0"));
      assertEquals(2, Main.execute("resume", "s/r1", "--metrics-port", "-7"));
      assertEquals(2, Main.execute("status", "--bogus"));
    } finally {
      System.setErr(err);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertEquals(
        "--metrics-port 99999: must be a port from 0 to 65535, or -1 for none (see: connectome run"
            + " --help)",
        out.lines().findFirst().orElse(""));
    assertTrue(out.contains("--max-concurrent-tasks 0: must be at least 1"), out);
    assertTrue(!out.contains("\tat "), "no stack trace: " + out);
    assertEquals(4, out.lines().count(), "one line each: " + out);
  }
}
