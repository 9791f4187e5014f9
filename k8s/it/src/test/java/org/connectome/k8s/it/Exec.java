package org.connectome.k8s.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a program to its end and keeps what it printed (stdout and stderr together). */
record Exec(int exit, String output) {
  static Exec run(List<String> command, Map<String, String> env, Duration limit)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("cx-exec", ".log");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IOException(
            String.join(" ", command) + " ran past " + limit + ":\n" + Files.readString(out));
      }
      return new Exec(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** Runs {@code command} and fails with its output unless it exits 0. */
  static String ok(List<String> command, Map<String, String> env, Duration limit)
      throws IOException, InterruptedException {
    Exec e = run(command, env, limit);
    if (e.exit != 0) {
      throw new IOException(
          String.join(" ", command) + " exited " + e.exit + ":\n" + e.output.strip());
    }
    return e.output;
  }
}
