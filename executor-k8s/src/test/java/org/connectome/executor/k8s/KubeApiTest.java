package org.connectome.executor.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.ApiException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.connectome.executor.ExecutorException;
import org.junit.jupiter.api.Test;

/**
 * The bounded retries of every API call: throttling, server errors and refused connections are
 * retried, {@code Retry-After} is honoured, and past the bound the call fails with the last error.
 * (A real API server does not throttle or fail on demand; the calls here answer as it does.)
 */
class KubeApiTest {
  private static ApiException http(int code, Map<String, List<String>> headers) {
    return new ApiException(code, headers, "{\"message\":\"status " + code + "\"}");
  }

  @Test
  void throttlingAndServerErrorsAreRetriedUntilTheCallSucceeds() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    KubeApi api = new KubeApi(6, Duration.ofMillis(1), Duration.ofMillis(5));
    String out =
        api.call(
            "create Job j",
            () ->
                switch (calls.incrementAndGet()) {
                  case 1 -> throw http(429, Map.of("Retry-After", List.of("0")));
                  case 2 -> throw http(500, Map.of());
                  case 3 -> throw new ApiException(new ConnectException("refused"));
                  default -> "created";
                });
    assertEquals("created", out);
    assertEquals(4, calls.get());
  }

  @Test
  void retryAfterIsWaitedAtLeast() {
    KubeApi api = new KubeApi(3, Duration.ofMillis(10), Duration.ofMillis(50));
    assertTrue(api.backoff(1, Duration.ofSeconds(1)).toMillis() >= 1000);
    assertTrue(api.backoff(1, null).toMillis() <= 10);
    assertEquals(
        Duration.ofSeconds(3), KubeApi.retryAfter(http(429, Map.of("retry-after", List.of("3")))));
  }

  @Test
  void anApiServerDownPastTheBoundFailsWithTheLastError() {
    AtomicInteger calls = new AtomicInteger();
    KubeApi api = new KubeApi(3, Duration.ofMillis(1), Duration.ofMillis(2));
    ExecutorException e =
        assertThrows(
            ExecutorException.class,
            () ->
                api.call(
                    "read Job j",
                    () -> {
                      calls.incrementAndGet();
                      throw http(503, Map.of());
                    }));
    assertEquals(3, calls.get());
    assertTrue(e.getMessage().contains("HTTP 503 status 503"), e.getMessage());
  }

  @Test
  void refusalsThatRetryingCannotFixComeBackAtOnce() {
    for (int code : new int[] {403, 404, 409, 422}) {
      AtomicInteger calls = new AtomicInteger();
      KubeApi api = new KubeApi(5, Duration.ofMillis(1), Duration.ofMillis(2));
      ApiException e =
          assertThrows(
              ApiException.class,
              () ->
                  api.call(
                      "x",
                      () -> {
                        calls.incrementAndGet();
                        throw http(code, Map.of());
                      }));
      assertEquals(code, e.getCode());
      assertEquals(1, calls.get(), "HTTP " + code + " is not retried");
    }
  }
}
