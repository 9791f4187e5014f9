package org.connectome.executor.local;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The project's Python environments for {@code command} steps: {@code tools/pyenv FILE} makes
 * (once) the environment of a pinned, hashed requirements file and prints its folder. The checkout
 * is found as {@code $CX_TOOLS_DIR}'s parent (the {@code connectome} launcher sets it) or the
 * working directory or one of its parents holding {@code tools/pyenv} (tests run in a module's
 * folder); relative requirements files are resolved against it.
 */
final class PythonEnvironments {
  private static final long INSTALL_TIMEOUT_MINUTES = 15;

  private final Path checkout;
  private final Map<String, Path> made = new ConcurrentHashMap<>();

  PythonEnvironments(Path checkout) {
    this.checkout = checkout;
  }

  /** The checkout of this process's environment and working directory, or null when none. */
  static PythonEnvironments of(Map<String, String> env, Path workingDir) {
    String tools = env.get("CX_TOOLS_DIR");
    if (tools != null && !tools.isBlank()) {
      return new PythonEnvironments(Path.of(tools).toAbsolutePath().getParent());
    }
    for (Path d = workingDir.toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("tools").resolve("pyenv"))) {
        return new PythonEnvironments(d);
      }
    }
    return new PythonEnvironments(null);
  }

  /** The environment's folder, made on first use. */
  Path environment(String requirements) throws IOException {
    Path known = made.get(requirements);
    if (known != null) {
      return known;
    }
    if (checkout == null) {
      throw new IOException(
          "no tools/pyenv here to make it (run the 'connectome' launcher of a checkout, or set"
              + " CX_TOOLS_DIR)");
    }
    Path file = checkout.resolve(requirements);
    if (!Files.isRegularFile(file)) {
      throw new IOException("no such requirements file " + file);
    }
    Path log = Files.createTempFile("pyenv-", ".log");
    try {
      Process p =
          new ProcessBuilder(checkout.resolve("tools").resolve("pyenv").toString(), file.toString())
              .redirectError(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("tools/pyenv took over " + INSTALL_TIMEOUT_MINUTES + " minutes");
      }
      String err = Files.readString(log).strip();
      if (p.exitValue() != 0 || out.isEmpty()) {
        throw new IOException(
            "tools/pyenv failed: "
                + (err.isEmpty()
                    ? "exit " + p.exitValue()
                    : err.substring(err.lastIndexOf('\n') + 1)));
      }
      Path venv = Path.of(out.substring(out.lastIndexOf('\n') + 1));
      made.put(requirements, venv);
      return venv;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the environment", e);
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
