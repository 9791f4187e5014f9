package org.connectome.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The benchmark's command line. */
public final class BenchOptions {
  public static final String USAGE =
      """
      usage: bench/run [options]
        --scale S[,S...]          share of H01 to run: 1, 0.1, 0.01 (default 0.01)
        --naive                   run the naive design (one activity per unit) instead, at growing unit counts
        --naive-units N[,N...]    unit counts of the naive ladder (default 1000,2000,5000,10000,20000,40000)
        --naive-window N|all      naive activities pending at once (default 1000; 'all' starts every unit at once)
        --task-millis DIST        simulated task-attempt duration: 0, fixed:MS, uniform:MIN:MAX, lognormal:MEDIAN:SIGMA
                                  (default 0: only orchestration is measured)
        --failure-rate F          probability that a task attempt fails transiently (retried per the step's policy)
        --permanent-failure-rate F probability that an attempt fails on bad input (not retried; default 0)
        --backoff-scale F         factor on the steps' retry backoff (default 0.001: 2 s becomes 2 ms)
        --out DIR                 where reports, the catalog and step definitions go (default target/bench-results)
        --server in-process|process|local   Temporal's Java test server in this JVM or in a child JVM, or the
                                  real local Temporal server (the pinned Temporal CLI's, SQLite in OUT/temporal)
                                  (default in-process)
        --server-java-options OPTS    JVM options of the child test server (default -Xmx2g)
        --units-per-task N, --tasks-per-shard N, --shards-in-flight N, --parallelism N
                                  override the defaults (spec 'defaults:'); without them the built-in grouping
        --grouping default|previous   'previous' writes the units per task the planners used before bench/ measured
                                  them (1 to 8 per step) into the spec, to rerun the comparison
        --event-cap N             a step workflow continues as new at this many events (default 2500)
        --max-shards N            shard activities the worker runs at once (default 64)
        --seed N                  random seed (default 1)
        --plan-only               print the plans and exit
        --probe-catalog           time the catalog's per-shard progress write against steps of 100 to 12,558 shards
      """;

  public List<Double> scales = new ArrayList<>(List.of(0.01));
  public boolean naive;
  public List<Long> naiveUnits =
      new ArrayList<>(List.of(1_000L, 2_000L, 5_000L, 10_000L, 20_000L, 40_000L));
  public Integer naiveWindow = 1_000; // null: all at once
  public String taskMillis = "0";
  public double failureRate;
  public double permanentFailureRate;
  public double backoffScale = 0.001;
  public Path out = Path.of("target", "bench-results");

  /** Which Temporal the bench runs on. */
  public enum Server {
    /** Temporal's Java test server in the bench's JVM. */
    IN_PROCESS,
    /** The Java test server in a child JVM: its CPU apart from the orchestrator's. */
    PROCESS,
    /** The real local Temporal server (the Temporal CLI's development server on SQLite). */
    LOCAL
  }

  public Server server = Server.IN_PROCESS;
  public String serverJavaOptions = "-Xmx2g";
  public Integer unitsPerTask;
  public Integer tasksPerShard;
  public Integer shardsInFlight;
  public Integer parallelism;
  public Integer eventCap;
  public int maxShards = 64;
  public long seed = 1;
  public boolean planOnly;
  public boolean probeCatalog;
  public boolean previousGrouping;

  public static BenchOptions parse(String... args) {
    BenchOptions o = new BenchOptions();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        v = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      switch (a) {
        case "--naive" -> o.naive = true;
        case "--plan-only" -> o.planOnly = true;
        case "--probe-catalog" -> o.probeCatalog = true;
        case "-h", "--help" -> throw new IllegalArgumentException("");
        default -> {
          if (v == null) {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException(a + " needs a value");
            }
            v = args[++i];
          }
          o.set(a, v);
        }
      }
    }
    return o;
  }

  private void set(String name, String v) {
    try {
      switch (name) {
        case "--scale" -> {
          scales = new ArrayList<>();
          for (String s : v.split(",")) {
            double d = Double.parseDouble(s.trim().replace("%", "")) / (s.contains("%") ? 100 : 1);
            if (!(d > 0 && d <= 1)) {
              throw new IllegalArgumentException("--scale must be in (0, 1], not " + s);
            }
            scales.add(d);
          }
        }
        case "--naive-units" -> {
          naiveUnits = new ArrayList<>();
          for (String s : v.split(",")) {
            naiveUnits.add(Long.parseLong(s.trim().replace("_", "")));
          }
        }
        case "--naive-window" -> naiveWindow = v.equals("all") ? null : Integer.parseInt(v);
        case "--task-millis" -> {
          DurationModel.parse(v);
          taskMillis = v;
        }
        case "--failure-rate" -> failureRate = probability(name, v);
        case "--permanent-failure-rate" -> permanentFailureRate = probability(name, v);
        case "--backoff-scale" -> backoffScale = Double.parseDouble(v);
        case "--out" -> out = Path.of(v);
        case "--server" -> {
          server =
              switch (v) {
                case "in-process" -> Server.IN_PROCESS;
                case "process" -> Server.PROCESS;
                case "local" -> Server.LOCAL;
                default ->
                    throw new IllegalArgumentException("--server is in-process, process or local");
              };
        }
        case "--server-java-options" -> serverJavaOptions = v;
        case "--grouping" -> {
          if (!v.equals("default") && !v.equals("previous")) {
            throw new IllegalArgumentException("--grouping is default or previous");
          }
          previousGrouping = v.equals("previous");
        }
        case "--units-per-task" -> unitsPerTask = Integer.parseInt(v);
        case "--tasks-per-shard" -> tasksPerShard = Integer.parseInt(v);
        case "--shards-in-flight" -> shardsInFlight = Integer.parseInt(v);
        case "--parallelism" -> parallelism = Integer.parseInt(v);
        case "--event-cap" -> eventCap = Integer.parseInt(v);
        case "--max-shards" -> maxShards = Integer.parseInt(v);
        case "--seed" -> seed = Long.parseLong(v);
        default -> throw new IllegalArgumentException("unknown option " + name);
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": '" + v + "' is not a number");
    }
  }

  private static double probability(String name, String v) {
    double d = Double.parseDouble(v);
    if (d < 0 || d >= 1) {
      throw new IllegalArgumentException(name + " must be in [0, 1)");
    }
    return d;
  }

  public H01Plan.Overrides overrides() {
    return new H01Plan.Overrides(
        unitsPerTask, tasksPerShard, shardsInFlight, parallelism, previousGrouping);
  }

  /** The options as they matter for the figures, for reports. */
  public String describe() {
    return "task duration "
        + DurationModel.parse(taskMillis)
        + ", failure rate "
        + failureRate
        + (permanentFailureRate > 0 ? ", permanent failure rate " + permanentFailureRate : "")
        + ", backoff scale "
        + backoffScale
        + ", server "
        + switch (server) {
          case IN_PROCESS -> "Java test server in-process";
          case PROCESS -> "Java test server in a child JVM (" + serverJavaOptions + ")";
          case LOCAL -> "real local Temporal server (SQLite)";
        }
        + ", worker shard slots "
        + maxShards
        + (eventCap != null ? ", event cap " + eventCap : "")
        + (previousGrouping ? ", previous grouping (units per task 1 to 8)" : "")
        + (overrides().equals(H01Plan.Overrides.none())
                || (previousGrouping
                    && unitsPerTask == null
                    && tasksPerShard == null
                    && shardsInFlight == null
                    && parallelism == null)
            ? ""
            : ", overrides " + overrides())
        + (previousGrouping
            ? ""
            : (overrides().equals(H01Plan.Overrides.none()) ? ", default grouping" : ""));
  }
}
