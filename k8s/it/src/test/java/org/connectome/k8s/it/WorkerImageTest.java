package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker image runs the CLI as user 10001 with a read-only root file system and {@code /tmp} as
 * its only scratch space, as the worker Deployment of k8s/base runs it.
 */
class WorkerImageTest {
  @Test
  @Timeout(300)
  void theWorkerImageRunsTheCliAsUser10001OnAReadOnlyRoot() throws Exception {
    Images.Built images = Images.get();
    String user =
        Exec.ok(
                List.of(
                    "podman", "image", "inspect", "--format", "{{.Config.User}}", images.worker()),
                Images.podmanEnv(),
                Duration.ofSeconds(30))
            .strip();
    assertEquals("10001:10001", user);
    Exec e =
        Exec.run(
            List.of(
                "podman",
                "run",
                "--rm",
                "--network",
                "none",
                "--read-only",
                "--read-only-tmpfs=false",
                "--tmpfs",
                "/tmp:rw,size=256m,mode=1777",
                images.worker(),
                "--help"),
            Images.podmanEnv(),
            Duration.ofMinutes(2));
    assertEquals(0, e.exit(), e.output());
    assertTrue(e.output().contains("--executor"), e.output());
  }
}
