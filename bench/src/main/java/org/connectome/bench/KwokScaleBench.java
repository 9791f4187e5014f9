package org.connectome.bench;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.TaskFailure;
import org.connectome.executor.TaskResult;
import org.connectome.executor.k8s.KubernetesExecutor;
import org.connectome.executor.k8s.KubernetesExecutorConfig;
import org.connectome.layout.RunLayout;
import org.connectome.layout.SampleFactsResolver;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.Planners;
import org.connectome.pipeline.StepConfig;
import org.connectome.pipeline.StepPlan;
import org.connectome.spec.RunSpec;
import org.connectome.spec.TolerationSpec;
import org.connectome.units.Grouping;

/**
 * The H01-shaped plan through a real Kubernetes control plane: {@code k8s/dev/cluster} (etcd,
 * kube-apiserver, kube-controller-manager with the real Job controller, kube-scheduler) with kwok
 * nodes whose pods complete as soon as they are bound. Every shard of every step, in chain order,
 * goes through the real {@link KubernetesExecutor} (one Indexed Job per shard, followed through the
 * worker's watches), {@code --in-flight} shards at once. Measured: Jobs and pods, the pods per
 * second the control plane turned over, API requests (the executor's, counted on its client, and
 * the API server's total), etcd's database size, and CPU of this orchestrator and of each control
 * plane program. What the Temporal side costs is {@link OrchestrationBench}'s to measure.
 *
 * <pre>
 *   java -cp ... org.connectome.bench.KwokScaleBench --scale 0.01 [--in-flight 32] [--nodes 20]
 *       [--job-qps 20] [--poll] [--out FILE.md]
 * </pre>
 */
public final class KwokScaleBench {
  /** Settings of one run. */
  record Options(
      double scale, int inFlight, int nodes, int jobQps, boolean watch, Path out, Path repo) {}

  /** What one step cost. */
  record StepFigures(String step, long jobs, long pods, double seconds) {}

  private KwokScaleBench() {}

  public static void main(String[] args) throws Exception {
    Options o = parse(args);
    Path dir = Files.createTempDirectory("cx-kwok-bench-");
    Path cluster = o.repo().resolve("k8s/dev/cluster");
    run(
        List.of(
            cluster.toString(),
            "up",
            "--dir",
            dir.toString(),
            "--no-podman-node",
            // Kueue admits nothing here (the plan's Jobs carry no queue label); it would only add
            // load.
            "--no-kueue",
            "--kwok-nodes",
            Integer.toString(o.nodes()),
            "--kwok-gpu-nodes",
            "0",
            "--job-qps",
            Integer.toString(o.jobQps())));
    try {
      String report = bench(o, dir);
      System.out.println(report);
      if (o.out() != null) {
        Files.writeString(o.out(), report);
      }
    } finally {
      run(List.of(cluster.toString(), "down", "--dir", dir.toString()));
    }
  }

  static String bench(Options o, Path dir) throws Exception {
    Map<String, String> env = new HashMap<>();
    for (String line : Files.readAllLines(dir.resolve("cluster.env"))) {
      int eq = line.indexOf('=');
      env.put(line.substring(0, eq), line.substring(eq + 1));
    }
    ApiClient admin = Config.fromConfig(env.get("KUBECONFIG"));
    new CoreV1Api(admin)
        .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name("h01")))
        .execute();
    ApiClient worker = Config.fromConfig(env.get("KUBECONFIG"));
    AtomicLong requests = new AtomicLong();
    Map<String, AtomicLong> byMethod = new java.util.concurrent.ConcurrentHashMap<>();
    worker.setHttpClient(
        worker
            .getHttpClient()
            .newBuilder()
            .addInterceptor(
                chain -> {
                  requests.incrementAndGet();
                  String verb =
                      chain.request().method()
                          + ("true".equals(chain.request().url().queryParameter("watch"))
                              ? " watch"
                              : "");
                  byMethod.computeIfAbsent(verb, k -> new AtomicLong()).incrementAndGet();
                  return chain.proceed(chain.request());
                })
            .build());
    KubernetesExecutorConfig config =
        KubernetesExecutorConfig.builder("h01")
            .image("localhost/connectome/task:never-runs-on-kwok")
            .nodeSelector(Map.of("type", "kwok"))
            .tolerations(
                List.of(new TolerationSpec("kwok.x-k8s.io/node", "Equal", "fake", "NoSchedule")))
            .pollInterval(Duration.ofMillis(500))
            .ttlSecondsAfterFinished(60)
            .watch(o.watch())
            .build();
    RunSpec spec = H01Plan.spec(o.scale(), "k1", dir.resolve("data"), H01Plan.Overrides.none());
    RunLayout layout = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run());
    var facts = SampleFactsResolver.resolve(spec, layout);
    double apiBefore = metric(admin, env.get("API_SERVER") + "/metrics", "apiserver_request_total");
    long cpu0 = processCpuNanos();
    Map<String, Long> controlCpu0 = controlPlaneCpu(dir);
    long units = 0;
    List<StepFigures> steps = new ArrayList<>();
    long t0 = System.nanoTime();
    AtomicLong pods = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    ShardListener listener =
        new ShardListener() {
          @Override
          public void taskStarted(long task, int attempt) {
            pods.incrementAndGet();
          }

          @Override
          public void taskAttemptEnded(
              long task, int attempt, TaskFailure failure, Duration duration) {}

          @Override
          public void taskFinished(TaskResult result) {
            if (!result.succeeded()) {
              failed.incrementAndGet();
            }
          }
        };
    long jobs = 0;
    ExecutorService pool = Executors.newFixedThreadPool(o.inFlight());
    try (KubernetesExecutor executor = new KubernetesExecutor(worker, config)) {
      for (StepConfig step : Pipeline.steps(spec)) {
        Grouping g =
            StepPlan.of(Planners.of(step.stage(), step.step()).plan(step, facts), step).grouping();
        long podsBefore = pods.get();
        long s0 = System.nanoTime();
        List<Future<List<TaskResult>>> shards = new ArrayList<>();
        for (long s = 0; s < g.shardCount(); s++) {
          ShardRequest r =
              new ShardRequest(
                  step,
                  s,
                  List.of(g.tasksOfShard(s)),
                  layout.step(step.stage(), step.step()).dir(),
                  1,
                  spec.runId(),
                  spec.executor());
          shards.add(pool.submit(() -> executor.runShard(r, listener)));
        }
        for (Future<List<TaskResult>> f : shards) {
          f.get();
        }
        jobs += g.shardCount();
        units += g.unitCount();
        steps.add(
            new StepFigures(
                step.qualifiedName(),
                g.shardCount(),
                pods.get() - podsBefore,
                (System.nanoTime() - s0) / 1e9));
        System.err.printf(
            Locale.ROOT,
            "%s: %d Jobs, %d pods in %.1f s%n",
            step.qualifiedName(),
            g.shardCount(),
            pods.get() - podsBefore,
            (System.nanoTime() - s0) / 1e9);
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpu = (processCpuNanos() - cpu0) / 1e9;
    Map<String, Long> controlCpu = controlPlaneCpu(dir);
    double apiAfter = metric(admin, env.get("API_SERVER") + "/metrics", "apiserver_request_total");
    double etcdBytes =
        metric(null, env.get("ETCD") + "/metrics", "etcd_mvcc_db_total_size_in_bytes");
    double etcdInUse =
        metric(null, env.get("ETCD") + "/metrics", "etcd_mvcc_db_total_size_in_use_in_bytes");

    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "## H01 plan at scale %s through the real control plane (kwok nodes)%n%n",
            H01Plan.label(o.scale())));
    b.append(
        String.format(
            Locale.ROOT,
            "kube-apiserver, kube-controller-manager (Job controller at --kube-api-qps %d), kube-scheduler"
                + " and etcd of Kubernetes v1.37.2; %d kwok nodes; %d shards in flight; the real"
                + " KubernetesExecutor (%s) creating and following every Job.%n%n",
            o.jobQps(),
            o.nodes(),
            o.inFlight(),
            o.watch() ? "watches" : "polling: a GET and a LIST per Job and look"));
    b.append("| step | Jobs | pods | seconds | pods/s |\n|---|---:|---:|---:|---:|\n");
    for (StepFigures s : steps) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d | %.1f | %.1f |%n",
              s.step(),
              s.jobs(),
              s.pods(),
              s.seconds(),
              s.pods() / Math.max(s.seconds(), 1e-9)));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "| **all** | **%,d** | **%,d** | **%.1f** | **%.1f** |%n%n",
            jobs,
            pods.get(),
            seconds,
            pods.get() / seconds));
    b.append("| figure | value |\n|---|---|\n");
    b.append(row("units", String.format(Locale.ROOT, "%,d", units)));
    b.append(row("tasks that did not succeed", Long.toString(failed.get())));
    b.append(
        row(
            "executor's API requests (per Job; per 1,000 units)",
            String.format(
                Locale.ROOT,
                "%,d (%.2f; %.3f) %s",
                requests.get(),
                requests.get() / (double) jobs,
                requests.get() * 1000.0 / units,
                byMethod)));
    b.append(
        row(
            "API server requests, all clients (per 1,000 units)",
            String.format(
                Locale.ROOT,
                "%,.0f (%.1f)",
                apiAfter - apiBefore,
                (apiAfter - apiBefore) * 1000 / units)));
    b.append(
        row(
            "etcd database size / in use at the end",
            String.format(
                Locale.ROOT, "%.1f MiB / %.1f MiB", etcdBytes / 1048576, etcdInUse / 1048576)));
    b.append(row("orchestrator CPU (this JVM)", String.format(Locale.ROOT, "%.1f s", cpu)));
    for (Map.Entry<String, Long> e : controlCpu.entrySet()) {
      long before = controlCpu0.getOrDefault(e.getKey(), 0L);
      b.append(
          row(
              e.getKey() + " CPU during the run",
              String.format(Locale.ROOT, "%.1f s", (e.getValue() - before) / 100.0)));
    }
    return b.toString();
  }

  private static String row(String k, String v) {
    return "| " + k + " | " + v + " |\n";
  }

  /** The sum of one metric's samples on a Prometheus text endpoint. */
  static double metric(ApiClient client, String url, String name) throws Exception {
    String body;
    if (client != null) {
      okhttp3.Request req = new okhttp3.Request.Builder().url(url).build();
      try (okhttp3.Response r = client.getHttpClient().newCall(req).execute()) {
        body = r.body().string();
      }
    } else {
      body =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url)).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
    }
    double sum = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU ticks (user + system) of each control plane program, from /proc. */
  static Map<String, Long> controlPlaneCpu(Path dir) throws IOException {
    Map<String, Long> out = new java.util.TreeMap<>();
    try (var files = Files.list(dir.resolve("pids"))) {
      for (Path f : files.toList()) {
        String pid = Files.readString(f).strip();
        Path stat = Path.of("/proc", pid, "stat");
        if (Files.exists(stat)) {
          String s = Files.readString(stat);
          String[] fields = s.substring(s.lastIndexOf(')') + 2).split(" ");
          out.put(
              f.getFileName().toString(), Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
        }
      }
    }
    return out;
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " exited " + p.exitValue());
    }
  }

  static Options parse(String[] args) {
    double scale = 0.01;
    int inFlight = 32;
    int nodes = 20;
    int qps = 20;
    boolean watch = true;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--scale" -> scale = Double.parseDouble(args[++i]);
        case "--in-flight" -> inFlight = Integer.parseInt(args[++i]);
        case "--nodes" -> nodes = Integer.parseInt(args[++i]);
        case "--job-qps" -> qps = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--poll" -> watch = false;
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + " (--scale, --in-flight, --nodes, --job-qps, --out)");
      }
    }
    Path repo = Path.of("").toAbsolutePath();
    while (repo != null && !Files.exists(repo.resolve("k8s/dev/cluster"))) {
      repo = repo.getParent();
    }
    if (repo == null) {
      throw new IllegalArgumentException("run from inside the repository (k8s/dev/cluster)");
    }
    return new Options(scale, inFlight, nodes, qps, watch, out, repo);
  }
}
