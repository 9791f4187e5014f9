package org.connectome.notify;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;

/**
 * A real HTTP server on a free loopback port that records every post (path, body, {@code
 * Idempotency-Key}) and answers what a test asks per path: a status from the post's number, or a
 * hang.
 */
final class WebhookReceiver implements AutoCloseable {
  /** One post received. */
  record Post(String path, String body, String idempotencyKey) {}

  /** Answers a post with this status after {@code hangMillis} (a webhook that never answers). */
  static int hang(int hangMillis) {
    return -hangMillis;
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(4);
  private final List<Post> posts = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, IntUnaryOperator> answers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          posts.add(new Post(path, body, exchange.getRequestHeaders().getFirst("Idempotency-Key")));
          int n = counts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
          int status = answers.getOrDefault(path, i -> 200).applyAsInt(n);
          if (status < 0) {
            try {
              Thread.sleep(-status);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            status = 200;
          }
          byte[] reply = (status == 200 ? "ok" : "no").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, reply.length);
          exchange.getResponseBody().write(reply);
          exchange.close();
        });
    server.setExecutor(threads);
    server.start();
  }

  /** What to answer the {@code n}th post to {@code path} (1-based): a status, or a hang. */
  void answer(String path, IntUnaryOperator status) {
    answers.put(path, status);
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  List<Post> posts(String path) {
    synchronized (posts) {
      return posts.stream().filter(p -> p.path().equals(path)).toList();
    }
  }

  List<String> bodies(String path) {
    return posts(path).stream().map(Post::body).toList();
  }

  /** Waits up to 30 s for {@code done}. */
  static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow(); // ends hung answers
  }
}
