package org.connectome.executor.k8s;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * fabric8's Kubernetes mock server in CRUD mode over HTTP, behind a {@link FaultyDispatcher}, with
 * the Job controller double running against it, and official-client {@link ApiClient}s pointed at
 * it (no auth).
 */
final class MockCluster implements AutoCloseable {
  static final String NS = "cx-test";

  final FaultyDispatcher dispatcher = new FaultyDispatcher(new KubernetesCrudDispatcher());
  final KubernetesMockServer server;
  final NamespacedKubernetesClient fabric8;
  final FakeJobController controller;

  MockCluster(FakeJobController.Script script) {
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    fabric8 = server.createClient();
    controller = new FakeJobController(fabric8, NS, dispatcher, script);
  }

  /**
   * An official client for the mock; {@code worker} tags its requests (header {@code X-Worker}).
   */
  ApiClient apiClient(String worker) {
    ApiClient c = new ApiClient();
    c.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    c.setConnectTimeout(2000);
    c.setReadTimeout(5000);
    if (worker != null) {
      c.addDefaultHeader("X-Worker", worker);
    }
    return c;
  }

  /** Quick settings for tests: polls every 50 ms, short API backoff. */
  static KubernetesExecutorConfig.Builder config() {
    return KubernetesExecutorConfig.builder(NS)
        .image("registry.example.org/connectome-task:test")
        .serviceAccount("connectome-task")
        .pollInterval(Duration.ofMillis(50))
        .stuckPodGrace(Duration.ZERO)
        .apiAttempts(6)
        .apiInitialBackoff(Duration.ofMillis(20))
        .apiMaxBackoff(Duration.ofMillis(200))
        .deleteTimeout(Duration.ofSeconds(10));
  }

  List<Job> jobs() {
    return fabric8.batch().v1().jobs().inNamespace(NS).list().getItems();
  }

  int pods() {
    return fabric8.pods().inNamespace(NS).list().getItems().size();
  }

  static void await(String what, Duration max, BooleanSupplier cond) throws InterruptedException {
    long end = System.nanoTime() + max.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    controller.close();
    fabric8.close();
    server.destroy();
  }
}
