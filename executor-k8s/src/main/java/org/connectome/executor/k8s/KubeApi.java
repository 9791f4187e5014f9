package org.connectome.executor.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.connectome.executor.ExecutorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the Kubernetes API with bounded retries: 429 (waiting as long as {@code Retry-After} says),
 * 5xx, timeouts and refused connections are retried with exponential backoff and jitter; after the
 * last attempt the call fails with an {@link ExecutorException} (the activity is retried by
 * Temporal and adopts its Job). Other errors (404, 409, 422, 403 ...) are the caller's to handle.
 * An interrupted thread gets an {@link InterruptedException}, never a retry.
 */
final class KubeApi {
  private static final Logger log = LoggerFactory.getLogger(KubeApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One API call. */
  @FunctionalInterface
  interface Call<T> {
    T call() throws ApiException;
  }

  private final int attempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;

  KubeApi(int attempts, Duration initialBackoff, Duration maxBackoff) {
    this.attempts = attempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
  }

  /** Runs {@code call}; an {@link ApiException} that is not transient is rethrown as it is. */
  <T> T call(String what, Call<T> call)
      throws ApiException, ExecutorException, InterruptedException {
    ApiException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted before " + what);
      }
      try {
        return call.call();
      } catch (ApiException e) {
        if (wasInterrupted(e)) {
          InterruptedException ie = new InterruptedException("interrupted during " + what);
          ie.initCause(e);
          throw ie;
        }
        if (!isTransient(e)) {
          throw e;
        }
        last = e;
        if (attempt == attempts) {
          break;
        }
        Duration wait = backoff(attempt, retryAfter(e));
        log.info(
            "Kubernetes API: {} failed ({}); attempt {} of {} in {} ms",
            what,
            describe(e),
            attempt + 1,
            attempts,
            wait.toMillis());
        Thread.sleep(wait.toMillis());
      } catch (
          RuntimeException e) { // a garbled response (proxy, truncated body): as transient as a 502
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("interrupted during " + what);
        }
        last = new ApiException(e);
        if (attempt == attempts) {
          break;
        }
        Thread.sleep(backoff(attempt, null).toMillis());
      }
    }
    throw new ExecutorException(
        "Kubernetes API: " + what + " failed " + attempts + " times; last: " + describe(last),
        last);
  }

  static boolean isTransient(ApiException e) {
    int code = e.getCode();
    if (code == 429 || code == 500 || code == 502 || code == 503 || code == 504) {
      return true;
    }
    if (code == 0) { // no HTTP response: connection refused or reset, timeout, DNS
      for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
        if (t instanceof ConnectException
            || t instanceof SocketTimeoutException
            || t instanceof UnknownHostException
            || t instanceof java.io.IOException) {
          return true;
        }
      }
      return e.getCause() == null;
    }
    return false;
  }

  private static boolean wasInterrupted(ApiException e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException)) {
        return true;
      }
      if (t instanceof InterruptedException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The wait before attempt {@code attempt + 1}: exponential with full jitter, at least what the
   * server asked.
   */
  Duration backoff(int attempt, Duration retryAfter) {
    long cap =
        Math.min(
            maxBackoff.toMillis(), initialBackoff.toMillis() * (1L << Math.min(20, attempt - 1)));
    long wait = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    if (retryAfter != null) {
      wait = Math.max(wait, Math.min(retryAfter.toMillis(), Math.max(maxBackoff.toMillis(), 1000)));
    }
    return Duration.ofMillis(wait);
  }

  /** {@code Retry-After} in seconds (the form the API server sends), or null. */
  static Duration retryAfter(ApiException e) {
    Map<String, List<String>> headers = e.getResponseHeaders();
    if (headers == null) {
      return null;
    }
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      if (h.getKey() != null
          && h.getKey().equalsIgnoreCase("Retry-After")
          && h.getValue() != null
          && !h.getValue().isEmpty()) {
        try {
          return Duration.ofSeconds(Long.parseLong(h.getValue().get(0).trim()));
        } catch (NumberFormatException ignored) {
          return null;
        }
      }
    }
    return null;
  }

  static String describe(ApiException e) {
    if (e == null) {
      return "no answer";
    }
    if (e.getCode() == 0) {
      Throwable c = e.getCause();
      return c == null
          ? String.valueOf(e.getMessage())
          : c.getClass().getSimpleName() + ": " + c.getMessage();
    }
    String body = e.getResponseBody();
    String msg = body;
    if (body != null) {
      try { // the API server's Status object: its message names the verb, resource and user
        String m = JSON.readTree(body).path("message").asText("");
        msg = m.isEmpty() ? body : m;
      } catch (IOException notJson) {
        msg = body;
      }
      if (msg.length() > 400) {
        msg = msg.substring(0, 400) + "...";
      }
    }
    return "HTTP " + e.getCode() + (msg == null || msg.isBlank() ? "" : " " + msg);
  }
}
