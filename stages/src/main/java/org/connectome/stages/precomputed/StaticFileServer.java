package org.connectome.stages.precomputed;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A static file server for precomputed volumes (and optionally a viewer bundle), with {@code
 * Access-Control-Allow-Origin: *} on every answer so Neuroglancer served from another origin can
 * read the volumes. GET and HEAD of files below the mounted folders, with single byte ranges
 * ({@code Range: bytes=a-b}, {@code a-}, {@code -n}: 206 Partial Content), which sharded volumes,
 * meshes and annotations are read by; OPTIONS preflights; no directory listings, nothing outside
 * the folders.
 */
public final class StaticFileServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Path> mounts;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong notFound = new AtomicLong();

  private StaticFileServer(HttpServer server, ExecutorService executor, Map<String, Path> mounts) {
    this.server = server;
    this.executor = executor;
    this.mounts = mounts;
  }

  /**
   * Starts serving.
   *
   * @param host interface to bind, for example {@code 127.0.0.1}
   * @param port port, 0 for a free one
   * @param mounts URL prefix (like {@code /} or {@code /viewer/}) to folder; the longest matching
   *     prefix wins
   */
  public static StaticFileServer start(String host, int port, Map<String, Path> mounts)
      throws IOException {
    Map<String, Path> m = new LinkedHashMap<>();
    mounts.entrySet().stream()
        .sorted((a, b) -> b.getKey().length() - a.getKey().length())
        .forEach(
            e ->
                m.put(
                    e.getKey().endsWith("/") ? e.getKey() : e.getKey() + "/",
                    e.getValue().toAbsolutePath().normalize()));
    HttpServer s = HttpServer.create(new InetSocketAddress(host, port), 64);
    ExecutorService ex =
        Executors.newFixedThreadPool(
            8,
            r -> {
              Thread t = new Thread(r, "static-files");
              t.setDaemon(true);
              return t;
            });
    StaticFileServer f = new StaticFileServer(s, ex, m);
    s.createContext("/", f::handle);
    s.setExecutor(ex);
    s.start();
    return f;
  }

  /** Serves one folder at {@code /}. */
  public static StaticFileServer start(String host, int port, Path dir) throws IOException {
    return start(host, port, Map.of("/", dir));
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://host:port} of the bound address. */
  public String baseUrl() {
    String host = server.getAddress().getHostString();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  public long requests() {
    return requests.get();
  }

  public long notFound() {
    return notFound.get();
  }

  private void handle(HttpExchange x) throws IOException {
    requests.incrementAndGet();
    try (x) {
      var h = x.getResponseHeaders();
      h.set("Access-Control-Allow-Origin", "*");
      h.set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
      h.set("Access-Control-Allow-Headers", "*");
      h.set(
          "Access-Control-Expose-Headers",
          "Content-Length, Content-Type, Content-Range, Accept-Ranges");
      // Chrome's private network access: a public Neuroglancer page may read from this loopback
      // server
      h.set("Access-Control-Allow-Private-Network", "true");
      String method = x.getRequestMethod();
      if (method.equals("OPTIONS")) {
        x.sendResponseHeaders(204, -1);
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        x.sendResponseHeaders(405, -1);
        return;
      }
      String path = x.getRequestURI().getPath();
      if (path != null && !path.equals("/") && mounts.containsKey(path + "/")) {
        // /viewer -> /viewer/, so the bundle's relative URLs resolve inside it
        h.set(
            "Location",
            path
                + "/"
                + (x.getRequestURI().getRawQuery() == null
                    ? ""
                    : "?" + x.getRequestURI().getRawQuery()));
        x.sendResponseHeaders(301, -1);
        return;
      }
      Path file = resolve(x.getRequestURI());
      if (file == null || !Files.isRegularFile(file)) {
        notFound.incrementAndGet();
        byte[] msg = "not found\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        h.set("Content-Type", "text/plain");
        x.sendResponseHeaders(404, method.equals("HEAD") ? -1 : msg.length);
        if (!method.equals("HEAD")) {
          x.getResponseBody().write(msg);
        }
        return;
      }
      long size = Files.size(file);
      h.set("Content-Type", contentType(file.getFileName().toString()));
      h.set("Cache-Control", "no-cache");
      h.set("Accept-Ranges", "bytes");
      long[] range = range(x.getRequestHeaders().getFirst("Range"), size);
      if (range != null && method.equals("GET")) {
        if (range.length == 0) {
          h.set("Content-Range", "bytes */" + size);
          x.sendResponseHeaders(416, -1);
          return;
        }
        long n = range[1] - range[0] + 1;
        h.set("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
        x.sendResponseHeaders(206, n);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file);
            OutputStream out = x.getResponseBody()) {
          ch.transferTo(range[0], n, java.nio.channels.Channels.newChannel(out));
        }
        return;
      }
      if (method.equals("HEAD")) {
        h.set("Content-Length", Long.toString(size));
        x.sendResponseHeaders(200, -1);
        return;
      }
      x.sendResponseHeaders(200, size == 0 ? -1 : size);
      try (InputStream in = Files.newInputStream(file);
          OutputStream out = x.getResponseBody()) {
        in.transferTo(out);
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private Path resolve(URI uri) {
    String path = uri.getPath();
    if (path == null) {
      return null;
    }
    for (var m : mounts.entrySet()) {
      String prefix = m.getKey();
      if (path.startsWith(prefix)) {
        String rest = path.length() > prefix.length() ? path.substring(prefix.length()) : "";
        if (rest.isEmpty()) {
          rest = "index.html";
        }
        Path f = m.getValue().resolve(rest).normalize();
        return f.startsWith(m.getValue()) ? f : null;
      }
    }
    return null;
  }

  /**
   * The inclusive byte range a {@code Range} header asks of a file of {@code size} bytes: null for
   * none or one this server does not serve (several ranges: the whole file is sent), an empty array
   * when it cannot be satisfied.
   */
  static long[] range(String header, long size) {
    if (header == null || !header.startsWith("bytes=") || header.contains(",")) {
      return null;
    }
    String spec = header.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).trim();
      String b = spec.substring(dash + 1).trim();
      long start;
      long end;
      if (a.isEmpty()) {
        long n = Long.parseLong(b);
        start = Math.max(0, size - n);
        end = size - 1;
      } else {
        start = Long.parseLong(a);
        end = b.isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(b));
      }
      return start > end || start >= size ? new long[0] : new long[] {start, end};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String contentType(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("info") || n.endsWith(".json")) {
      return "application/json";
    }
    if (n.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (n.endsWith(".js") || n.endsWith(".mjs")) {
      return "text/javascript";
    }
    if (n.endsWith(".css")) {
      return "text/css";
    }
    if (n.endsWith(".wasm")) {
      return "application/wasm";
    }
    if (n.endsWith(".svg")) {
      return "image/svg+xml";
    }
    if (n.endsWith(".png")) {
      return "image/png";
    }
    return "application/octet-stream";
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
