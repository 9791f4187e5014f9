package org.connectome.stages.viewer;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the {@code viewer/} npm project is and whether node, its node_modules and Chromium are
 * here. Tests that need them are skipped with a message when they are missing, unless {@code
 * CX_REQUIRE_VIEWER=1} (CI), which makes their absence a failure.
 */
public final class ViewerEnvironment {
  public static final String CHROMIUM =
      System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");

  private ViewerEnvironment() {}

  /**
   * The viewer folder: {@code ../viewer} from the module, found by walking up from the working
   * directory.
   */
  public static Path viewerDir() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("viewer/package.json"))) {
        return p.resolve("viewer");
      }
    }
    return null;
  }

  public static String node() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path n = Path.of(dir, "node");
      if (Files.isExecutable(n)) {
        return n.toString();
      }
    }
    return null;
  }

  public static boolean required() {
    return "1".equals(System.getenv("CX_REQUIRE_VIEWER"));
  }

  /** Skips (or fails under CX_REQUIRE_VIEWER=1) unless node and viewer/node_modules are there. */
  public static Path requireNodeModules() {
    Path v = viewerDir();
    String why =
        v == null
            ? "no viewer/ folder above " + Path.of("").toAbsolutePath()
            : node() == null
                ? "node is not on the PATH"
                : !Files.isDirectory(v.resolve("node_modules/neuroglancer"))
                    ? "viewer/node_modules is missing (run npm ci" + " --prefix viewer)"
                    : null;
    need(why);
    return v;
  }

  /** Also Chromium. */
  public static Path requireBrowser() {
    Path v = requireNodeModules();
    need(
        Files.isExecutable(Path.of(CHROMIUM))
            ? null
            : CHROMIUM + " is missing (apt-get install chromium, or set CHROMIUM_PATH)");
    return v;
  }

  private static void need(String why) {
    if (why == null) {
      return;
    }
    if (required()) {
      fail(why + " and CX_REQUIRE_VIEWER=1");
    }
    assumeTrue(false, why);
  }
}
