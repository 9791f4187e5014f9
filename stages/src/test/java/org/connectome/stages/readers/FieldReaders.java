package org.connectome.stages.readers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The field's readers of precomputed (CloudVolume, TensorStore, DracoPy) in the project's pinned
 * Python environment ({@code tools/readers}, {@code tools/python/readers.txt}). A test that needs
 * them is skipped when the environment cannot be made, unless {@code CX_REQUIRE_READERS=1} (CI),
 * which makes that a failure.
 */
final class FieldReaders {
  private FieldReaders() {}

  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("tools/readers"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("no tools/readers above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  /** The environment's python, made on first use; skips (or, required, fails) without it. */
  static Path python() throws IOException, InterruptedException {
    Path script = repoRoot().resolve("tools/readers");
    Process p =
        new ProcessBuilder(script.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    boolean done = p.waitFor(15, TimeUnit.MINUTES);
    boolean ok = done && p.exitValue() == 0 && !out.isEmpty();
    if (!ok) {
      if ("1".equals(System.getenv("CX_REQUIRE_READERS"))) {
        throw new AssertionError("tools/readers could not make the readers' environment");
      }
      Assumptions.assumeTrue(false, "the readers' Python environment is not available");
    }
    return Path.of(out);
  }

  /**
   * Runs {@code read_back.py} on a manifest; returns its output, which ends 'N passed, N failed'.
   */
  static Result readBack(Path manifest) throws IOException, InterruptedException {
    Path script = repoRoot().resolve("stages/src/test/python/read_back.py");
    Process p =
        new ProcessBuilder(python().toString(), script.toString(), manifest.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("read_back.py did not finish:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  record Result(int exit, String output) {}
}
