package org.connectome.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code connectome} command as a separate JVM, the way an operator runs it. */
final class CliProcess {
  final Process process;
  final Path output;

  private CliProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /**
   * Starts {@code connectome args...} with {@code CX_HOME=home}; output goes to a file in {@code
   * home}.
   */
  static CliProcess start(Path home, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    Files.createDirectories(home);
    Path out = Files.createTempFile(home, "cli-", ".out");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("CX_HOME", home.toString());
    pb.environment().remove("CX_TEMPORAL_ADDRESS");
    pb.environment().remove("CX_CATALOG_URL");
    return new CliProcess(pb.start(), out);
  }

  /** Runs to the end (at most {@code seconds}) and returns the exit code. */
  int await(int seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(
          "connectome did not finish within " + seconds + " s; output:\n" + output());
    }
    return process.exitValue();
  }

  String output() throws IOException {
    return Files.readString(output, StandardCharsets.UTF_8);
  }
}
