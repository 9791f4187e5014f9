package org.connectome.k8s.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The task and worker images of this build, made once per test JVM by {@code docker/build-images}
 * from this module's copy of the CLI's runtime class path (the jars of every stage's reference
 * implementation) on the project's Debian base.
 */
final class Images {
  /** The two image names, as podman's local storage knows them. */
  record Built(String task, String worker) {}

  private static Built built;

  private Images() {}

  static Path repo() {
    return Path.of(System.getProperty("cx.repo", "../..")).toAbsolutePath().normalize();
  }

  /** podman with the project's settings (runc, rlimits within the machine's). */
  static Map<String, String> podmanEnv() {
    return Map.of("CONTAINERS_CONF", repo().resolve("docker/containers.conf").toString());
  }

  static synchronized Built get() throws Exception {
    if (built != null) {
      return built;
    }
    Need.that(Need.onPath("podman"), "podman is not installed");
    Path base = repo().resolve("docker/base/build");
    boolean cachedBase =
        Exec.run(
                    List.of(
                        "sh",
                        "-c",
                        "ls ${CX_TOOLS_HOME:-$HOME/.cache/connectome}/base/*/rootfs.tar"),
                    Map.of(),
                    Duration.ofSeconds(10))
                .exit()
            == 0;
    Need.that(
        cachedBase || Need.onPath("debootstrap"),
        "neither a cached Debian base image nor debootstrap to make one");
    Path lib = Path.of(System.getProperty("cx.image.lib", "target/image-lib"));
    Need.that(Files.isDirectory(lib), "no jars for the images in " + lib + " (mvn package first)");
    String out =
        Exec.ok(
            List.of(repo().resolve("docker/build-images").toString(), lib.toString()),
            podmanEnv(),
            Duration.ofMinutes(15));
    String task = null;
    String worker = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("task=")) {
        task = line.substring(5).strip();
      } else if (line.startsWith("worker=")) {
        worker = line.substring(7).strip();
      }
    }
    if (task == null || worker == null || !Files.exists(base)) {
      throw new IllegalStateException("docker/build-images printed no image names:\n" + out);
    }
    built = new Built(task, worker);
    return built;
  }
}
