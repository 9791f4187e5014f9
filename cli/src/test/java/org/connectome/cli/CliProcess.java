package org.connectome.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.connectome.temporal.LocalTemporalServer;
import org.connectome.temporal.TemporalBinary;
import org.connectome.workflows.RunSearchAttributes;

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
    // each home's local Temporal server on a port of its own: tests never take a developer's 7233
    pb.environment().put("CX_TEMPORAL_PORT", Integer.toString(port(home)));
    pb.environment().remove("CX_TEMPORAL_ADDRESS");
    pb.environment().remove("CX_CATALOG_URL");
    return new CliProcess(pb.start(), out);
  }

  private static final Map<Path, Integer> PORTS = new ConcurrentHashMap<>();

  /** The Temporal port of a home's local server, chosen free once per home. */
  static int port(Path home) {
    return PORTS.computeIfAbsent(
        home.toAbsolutePath().normalize(),
        h -> {
          for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
              int p = s.getLocalPort();
              if (p + 1000 < 65536) {
                try (ServerSocket ui = new ServerSocket(p + 1000)) {
                  return p;
                } catch (IOException taken) {
                  // try another
                }
              }
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
          throw new IllegalStateException("no free port pair");
        });
  }

  /** The local Temporal server of a home (running or not). */
  static LocalTemporalServer server(Path home) {
    return new LocalTemporalServer(
        home.resolve("temporal"),
        () -> TemporalBinary.locate(System.getenv(), Path.of("").toAbsolutePath()),
        RunSearchAttributes.registration(),
        port(home));
  }

  /** Stops a home's local server, if one runs (tests end with no server left behind). */
  static void stopServer(Path home) {
    server(home).stop(Duration.ofSeconds(10));
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
