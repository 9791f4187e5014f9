package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * What these tests need from the machine (podman, the Debian base, the cluster's binaries): a test
 * without it is skipped, except where {@code CX_REQUIRE_K8S=1} (CI) makes it a failure.
 */
final class Need {
  private Need() {}

  static boolean required() {
    return "1".equals(System.getenv("CX_REQUIRE_K8S"));
  }

  /**
   * Skips (or, in CI, fails) the calling test unless {@code ok}; {@code what} says what is missing.
   */
  static void that(boolean ok, String what) {
    if (ok) {
      return;
    }
    if (required()) {
      fail(what + " (CX_REQUIRE_K8S=1)");
    }
    Assumptions.abort(what + "; .ci/run provides it and sets CX_REQUIRE_K8S=1");
  }

  static boolean onPath(String command) {
    try {
      return new ProcessBuilder("sh", "-c", "command -v " + command).start().waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
