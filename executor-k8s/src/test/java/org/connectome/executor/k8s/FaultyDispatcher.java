package org.connectome.executor.k8s;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * In front of fabric8's CRUD dispatcher: serves pod logs (which the CRUD mock does not), records
 * the executor's requests and answers some of them with errors, as an overloaded or failing API
 * server would. Requests of the controller double (the fabric8 client) are never failed.
 */
final class FaultyDispatcher extends Dispatcher {
  private static final Pattern LOG =
      Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log.*");

  /** Errors to answer: each matching request takes one. */
  static final class Fault {
    final Predicate<RecordedRequest> matches;
    final AtomicInteger left;
    final int code;
    final Integer retryAfterSeconds;

    Fault(Predicate<RecordedRequest> matches, int times, int code, Integer retryAfterSeconds) {
      this.matches = matches;
      this.left = new AtomicInteger(times);
      this.code = code;
      this.retryAfterSeconds = retryAfterSeconds;
    }
  }

  private final Dispatcher delegate;
  final Map<String, String> logs = new ConcurrentHashMap<>();
  final List<Fault> faults = new CopyOnWriteArrayList<>();

  /** The executor's requests: method and path. */
  final List<String> requests = new CopyOnWriteArrayList<>();

  final AtomicInteger failed = new AtomicInteger();

  FaultyDispatcher(Dispatcher delegate) {
    this.delegate = delegate;
  }

  static boolean fromExecutor(RecordedRequest r) {
    String ua = r.getHeader("User-Agent");
    return ua == null || !ua.toLowerCase().contains("fabric8");
  }

  /** The next {@code times} executor requests matching {@code which} get {@code code}. */
  void fail(Predicate<RecordedRequest> which, int times, int code, Integer retryAfterSeconds) {
    faults.add(new Fault(which, times, code, retryAfterSeconds));
  }

  long count(String method, String pathPart) {
    return requests.stream()
        .filter(s -> s.startsWith(method + " ") && s.contains(pathPart))
        .count();
  }

  @Override
  public MockResponse dispatch(RecordedRequest r) {
    boolean executor = fromExecutor(r);
    if (executor) {
      requests.add(r.getMethod() + " " + r.getPath());
      for (Fault f : faults) {
        if (f.matches.test(r) && f.left.getAndDecrement() > 0) {
          failed.incrementAndGet();
          MockResponse resp =
              new MockResponse()
                  .setResponseCode(f.code)
                  .setBody(
                      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"injected "
                          + f.code
                          + "\",\"code\":"
                          + f.code
                          + "}");
          if (f.retryAfterSeconds != null) {
            resp.setHeader("Retry-After", f.retryAfterSeconds);
          }
          return resp;
        }
      }
    }
    Matcher m = LOG.matcher(r.getPath());
    if (m.matches() && "GET".equals(r.getMethod())) {
      String text = logs.get(m.group(2));
      if (text == null) {
        return new MockResponse()
            .setResponseCode(404)
            .setBody("{\"kind\":\"Status\",\"code\":404}");
      }
      String[] lines = text.split("\n");
      Matcher t = Pattern.compile("tailLines=(\\d+)").matcher(r.getPath());
      int n = t.find() ? Integer.parseInt(t.group(1)) : lines.length;
      StringBuilder b = new StringBuilder();
      for (int i = Math.max(0, lines.length - n); i < lines.length; i++) {
        b.append(lines[i]).append('\n');
      }
      return new MockResponse().setResponseCode(200).setBody(b.toString());
    }
    return delegate.dispatch(r);
  }
}
