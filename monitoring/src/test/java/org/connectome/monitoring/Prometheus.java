package org.connectome.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (the Debian package's binary) with a private configuration and data
 * folder, on a free port, scraping given targets every second, and a client of its HTTP API.
 */
final class Prometheus implements AutoCloseable {
  private final Process process;
  private final Path log;
  final int port;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Prometheus(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /**
   * Starts Prometheus in {@code dir} scraping {@code targets} (host:port) as job {@code job} every
   * second, with the given rule files evaluated every second; returns once it is ready.
   */
  static Prometheus start(
      Path binary, Path dir, String job, List<String> targets, List<Path> ruleFiles)
      throws IOException, InterruptedException {
    int port = Tools.freePort();
    Files.createDirectories(dir.resolve("data"));
    StringBuilder cfg = new StringBuilder();
    cfg.append("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n");
    if (!ruleFiles.isEmpty()) {
      cfg.append("rule_files:\n");
      for (Path r : ruleFiles) {
        cfg.append("  - '").append(r.toAbsolutePath()).append("'\n");
      }
    }
    cfg.append("scrape_configs:\n  - job_name: '")
        .append(job)
        .append("'\n    static_configs:\n      - targets: [");
    for (int i = 0; i < targets.size(); i++) {
      cfg.append(i == 0 ? "" : ", ").append('\'').append(targets.get(i)).append('\'');
    }
    cfg.append("]\n");
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, cfg);
    Path log = dir.resolve("prometheus.log");
    Process p =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1d",
                "--web.enable-lifecycle")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .directory(dir.toFile())
            .start();
    Prometheus prom = new Prometheus(p, log, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      if (!p.isAlive()) {
        throw new IllegalStateException(
            "prometheus exited with " + p.exitValue() + ":\n" + prom.log());
      }
      try {
        HttpResponse<String> r =
            prom.http.send(
                HttpRequest.newBuilder(prom.uri("/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return prom;
        }
      } catch (IOException notYet) {
        // starting
      }
      if (System.nanoTime() > deadline) {
        prom.close();
        throw new IllegalStateException("prometheus not ready within 30 s:\n" + prom.log());
      }
      Thread.sleep(100);
    }
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  /** GET {@code path} of the HTTP API; the {@code data} of a successful answer. */
  JsonNode api(String path, String... params) throws IOException, InterruptedException {
    StringBuilder q = new StringBuilder(path);
    for (int i = 0; i + 1 < params.length; i += 2) {
      q.append(i == 0 ? '?' : '&')
          .append(params[i])
          .append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(uri(q.toString())).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body = Dashboards.JSON.readTree(r.body());
    if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new PromQlException(
          path
              + " "
              + String.join(" ", params)
              + ": HTTP "
              + r.statusCode()
              + " "
              + body.path("errorType").asText()
              + ": "
              + body.path("error").asText());
    }
    return body.path("data");
  }

  /** An instant query at {@code time}: the result vector (or scalar) as JSON. */
  JsonNode query(String expr, Instant time) throws IOException, InterruptedException {
    return api("/api/v1/query", "query", expr, "time", seconds(time));
  }

  /** A range query: the result matrix as JSON. */
  JsonNode queryRange(String expr, Instant start, Instant end, Duration step)
      throws IOException, InterruptedException {
    return api(
        "/api/v1/query_range",
        "query",
        expr,
        "start",
        seconds(start),
        "end",
        seconds(end),
        "step",
        String.format(Locale.ROOT, "%.3f", step.toMillis() / 1000.0));
  }

  /** Values of {@code label} on series matching {@code match} (Grafana's label_values). */
  List<String> labelValues(String label, String match) throws IOException, InterruptedException {
    JsonNode data =
        match == null
            ? api("/api/v1/label/" + label + "/values")
            : api("/api/v1/label/" + label + "/values", "match[]", match);
    List<String> out = new ArrayList<>();
    data.forEach(v -> out.add(v.asText()));
    return out;
  }

  private static String seconds(Instant t) {
    return String.format(Locale.ROOT, "%.3f", t.toEpochMilli() / 1000.0);
  }

  /** Whether a query result holds at least one number (NaN and infinities do not count). */
  static boolean hasData(JsonNode data) {
    String type = data.path("resultType").asText();
    JsonNode result = data.path("result");
    if (type.equals("scalar")) {
      return isNumber(result.get(1).asText());
    }
    for (JsonNode series : result) {
      if (series.has("value") && isNumber(series.path("value").get(1).asText())) {
        return true;
      }
      for (JsonNode v : series.path("values")) {
        if (isNumber(v.get(1).asText())) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isNumber(String s) {
    try {
      double d = Double.parseDouble(s);
      return !Double.isNaN(d) && !Double.isInfinite(d);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Prometheus refused a query. */
  static final class PromQlException extends IOException {
    private static final long serialVersionUID = 1L;

    PromQlException(String message) {
      super(message);
    }
  }
}
