package org.connectome.monitoring;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** The external programs the checks use, the checkout they check, and free ports. */
final class Tools {
  private Tools() {}

  /** The checkout's root: the folder holding dashboards/generate.py. */
  static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("dashboards").resolve("generate.py"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException(
          "not inside the checkout: no dashboards/generate.py above "
              + Path.of("").toAbsolutePath());
    }
    return p;
  }

  static Path dashboards() {
    return repo().resolve("dashboards");
  }

  /**
   * {@code name} on the PATH (or in /usr/bin). Absent, the calling test is skipped, unless {@code
   * requireEnv} is set (CI), where it fails.
   */
  static Path require(String name, String requireEnv, String hint) {
    Path found = find(name);
    if (found == null) {
      String msg = name + " is not installed (" + hint + ")";
      if (System.getenv(requireEnv) != null) {
        fail(msg + ", and " + requireEnv + " is set: it is required");
      }
      Assumptions.abort(msg + "; skipped (set " + requireEnv + "=1 to make this a failure)");
    }
    return found;
  }

  static Path prometheus() {
    return require("prometheus", "CX_REQUIRE_PROMETHEUS", "Debian: apt-get install prometheus");
  }

  static Path promtool() {
    return require("promtool", "CX_REQUIRE_PROMETHEUS", "Debian: apt-get install prometheus");
  }

  static Path find(String name) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "" : path).split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name);
      }
    }
    Path usr = Path.of("/usr/bin", name);
    return Files.isExecutable(usr) ? usr : null;
  }

  /** What a finished program said. */
  record Result(int exitCode, String output) {}

  /**
   * Runs {@code cmd} in {@code dir} (stdin from {@code stdin} when not null), at most {@code
   * seconds}.
   */
  static Result run(Path dir, Path stdin, int seconds, List<String> cmd) {
    try {
      Path out = Files.createTempFile("cx-tool-", ".out");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        if (stdin != null) {
          pb.redirectInput(stdin.toFile());
        }
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          fail(
              String.join(" ", cmd)
                  + " did not finish within "
                  + seconds
                  + " s:\n"
                  + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
