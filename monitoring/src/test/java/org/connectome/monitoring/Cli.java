package org.connectome.monitoring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code connectome} command as a child JVM on this module's class path, the way an operator
 * runs it.
 */
final class Cli implements AutoCloseable {
  final Process process;
  final Path output;
  final String name;

  private Cli(String name, Process process, Path output) {
    this.name = name;
    this.process = process;
    this.output = output;
  }

  /**
   * Starts {@code connectome args...} with {@code CX_HOME=home} and {@code env}; output to a file
   * in home.
   */
  static Cli start(Path home, Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx384m");
    cmd.add(
        "-XX:TieredStopAtLevel=1"); // starts faster; the work here is orchestration, not compute
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.connectome.cli.Main");
    cmd.addAll(List.of(args));
    Files.createDirectories(home);
    Path out = Files.createTempFile(home, args[0] + "-", ".out");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("CX_HOME", home.toString());
    pb.environment().remove("CX_TEMPORAL_ADDRESS");
    pb.environment().remove("CX_CATALOG_URL");
    pb.environment().remove("CX_NOTIFY_WEBHOOK");
    pb.environment().putAll(env);
    return new Cli(args[0], pb.start(), out);
  }

  String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  /** Waits for the process to end, at most {@code seconds}; returns its exit code. */
  int await(int seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(
          "connectome " + name + " did not finish within " + seconds + " s:\n" + output());
    }
    return process.exitValue();
  }

  /** Waits until the output contains {@code text}. */
  void awaitOutput(String text, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!output().contains(text)) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "connectome " + name + " ended before saying '" + text + "':\n" + output());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "connectome "
                + name
                + " did not say '"
                + text
                + "' within "
                + seconds
                + " s:\n"
                + output());
      }
      Thread.sleep(100);
    }
  }

  /** Stops it (SIGTERM, then SIGKILL after 15 s). */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
