package org.connectome.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.connectome.spec.AutoResumeSpec;
import org.connectome.spec.ContainerSpec;
import org.connectome.spec.FailureBudget;
import org.connectome.spec.Resources;
import org.connectome.spec.RetrySpec;
import org.connectome.spec.RunSpec;
import org.connectome.spec.Stage;
import org.connectome.spec.StageSettings;
import org.connectome.spec.StageSpec;
import org.connectome.spec.StepSpec;

/**
 * The steps of a run, in order, each with its resolved {@link StepConfig}. A pure function of the
 * spec, so workflow code may call it: no I/O, no clock.
 *
 * <p>Each step's parameters hash covers its implementation and that implementation's output
 * version, its parameters, the sample geometry, the acquisition for ingest, and the hashes of
 * exactly the steps whose outputs it reads ({@link #INPUTS}): a changed parameter invalidates the
 * completion markers of that step and of what is made from its outputs, and nothing else. Runs
 * started before the chain was a graph keep the old linear hash ({@link HashScheme#CHAIN}).
 */
public final class Pipeline {
  /** Task queue of the orchestration workers when the spec names none. */
  public static final String DEFAULT_TASK_QUEUE = "connectome";

  /**
   * Task queue of the ingest stage's shards when the spec names none: a facility runs its workers
   * next to the microscope's storage.
   */
  public static final String INGEST_TASK_QUEUE = "ingest";

  /** The implementation that runs a facility's own image ({@code container}). */
  public static final String CONTAINER = "container";

  /**
   * The implementation that runs a facility's own program on the local executor ({@code command}),
   * configured like a container without its image.
   */
  public static final String COMMAND = "command";

  /** Whether {@code implementation} runs a facility's own program rather than this build's code. */
  public static boolean runsProgram(String implementation) {
    return CONTAINER.equals(implementation) || COMMAND.equals(implementation);
  }

  static final int DEFAULT_TASKS_PER_SHARD = 100;
  static final int DEFAULT_PARALLELISM = 16;
  static final int DEFAULT_SHARDS_IN_FLIGHT = 4;
  static final TaskRetry DEFAULT_RETRY =
      new TaskRetry(3, Duration.ofSeconds(2), 2.0, Duration.ofMinutes(1), List.of());
  static final Resources DEFAULT_RESOURCES = new Resources("1", "1Gi", 0);
  static final Duration DEFAULT_TIMEOUT = Duration.ofHours(24);

  private Pipeline() {}

  /** One stage of a run with its resolved steps. */
  public record StagePlan(String stage, int ordinal, List<StepConfig> steps) {
    public StagePlan {
      steps = List.copyOf(steps);
    }
  }

  /** Resolved auto-resume policy. */
  public record AutoResume(
      int maxResumes, Duration backoff, double backoffMultiplier, Duration maxBackoff) {
    /** Wait before resume number {@code resume} (1 for the first). */
    public Duration backoffBefore(int resume) {
      double ms = backoff.toMillis() * Math.pow(backoffMultiplier, Math.max(0, resume - 1));
      return Duration.ofMillis((long) Math.min(ms, maxBackoff.toMillis()));
    }
  }

  /** How a step's hash covers the steps before it. */
  public enum HashScheme {
    /**
     * Each step chains the hash of the step before it (except {@link #OFF_CHAIN}): runs started
     * before the graph keep their markers.
     */
    CHAIN,
    /** Each step covers the hashes of exactly the steps whose outputs it reads. */
    DAG
  }

  /**
   * Version of what the reference implementation of each step writes, part of its hash: bumped when
   * a change of the code changes the outputs (their format or their values), so that markers of
   * outputs written by the older code no longer count. Steps not listed are at version 1.
   */
  public static final Map<String, Integer> OUTPUT_VERSIONS =
      // 2: mesh.blocks files each block under the merge units of its segments (the touch index);
      // 2: synapses.index writes in many units (ids from the blocks, table parts), so the marker
      // of the one unit that wrote the whole index no longer counts;
      // 3: in two rounds, boxes and then buckets of segments (pre/post lists in id order);
      // 2: segment.reconcile's shards write their closed and open sets and totals, and
      // segment.merge runs in rounds and lists the segments in a part per shard
      Map.of("mesh.blocks", 2, "synapses.index", 3, "segment.reconcile", 2, "segment.merge", 2);

  /**
   * Steps whose outputs no later step reads: their parameters hash depends on the steps before
   * them, but the steps after them chain on the step before (an index of synapses changes no
   * compressed chunk or mesh), so adding such a step to the chain leaves the markers of later steps
   * valid.
   */
  public static final java.util.Set<String> OFF_CHAIN = java.util.Set.of("synapses.index");

  /**
   * Steps added after the graph: runs hashed as a chain never ran them, so the chain passes over
   * them and its later steps keep the hashes their markers carry.
   */
  static final java.util.Set<String> AFTER_THE_CHAIN = java.util.Set.of("segment.merge");

  /**
   * The steps whose outputs each step reads (docs/data-layout.md), so that redoing units of one
   * step redoes what was made from them and nothing else; a spec must also hold the stages whose
   * outputs its reference stages read.
   */
  public static final Map<String, java.util.Set<String>> INPUTS =
      Map.ofEntries(
          Map.entry("ingest.ingest", java.util.Set.of()),
          Map.entry("stitch.stitch", java.util.Set.of("ingest.ingest")),
          Map.entry("align.pairs", java.util.Set.of("stitch.stitch")),
          Map.entry("align.solve", java.util.Set.of("align.pairs", "stitch.stitch")),
          Map.entry("align.render", java.util.Set.of("align.solve", "stitch.stitch")),
          Map.entry("segment.inference", java.util.Set.of("align.render")),
          Map.entry("segment.overlaps", java.util.Set.of("segment.inference")),
          Map.entry("segment.reconcile", java.util.Set.of("segment.overlaps")),
          Map.entry("segment.merge", java.util.Set.of("segment.reconcile")),
          Map.entry("segment.relabel", java.util.Set.of("segment.merge", "segment.inference")),
          Map.entry("synapses.detect", java.util.Set.of("align.render", "segment.relabel")),
          Map.entry("synapses.index", java.util.Set.of("synapses.detect")),
          Map.entry("compress.image", java.util.Set.of("align.render")),
          Map.entry("compress.segmentation", java.util.Set.of("segment.relabel", "segment.merge")),
          // both mesh steps read the segment count (segment.merge's summary): it sets the sharding
          Map.entry("mesh.blocks", java.util.Set.of("segment.relabel", "segment.merge")),
          Map.entry("mesh.merge", java.util.Set.of("mesh.blocks", "segment.merge")));

  /** The steps whose outputs {@code qualifiedStep} reads. */
  public static java.util.Set<String> inputsOf(String qualifiedStep) {
    String pyramid = "compress." + CompressPlanners.PYRAMID;
    if (qualifiedStep.startsWith(pyramid)
        && CompressPlanners.isPyramidStep(qualifiedStep.substring("compress.".length()))) {
      // each scale of the pyramid reads the scale below it, of the image and the segmentation
      int k = Integer.parseInt(qualifiedStep.substring(pyramid.length()));
      return k == 1
          ? java.util.Set.of("compress.image", "compress.segmentation")
          : java.util.Set.of(pyramid + (k - 1));
    }
    return INPUTS.getOrDefault(qualifiedStep, java.util.Set.of());
  }

  /**
   * The steps of {@code plan} that each of its steps waits for in a run of {@code spec}: the step
   * before it when the spec asks for one step at a time ({@code stepOrder: chain}), else as {@link
   * #waitsFor(List, HashScheme)} says for {@code scheme}. Only the order changes: the hashes stay
   * the scheme's.
   */
  public static Map<String, List<String>> waitsFor(
      RunSpec spec, List<StagePlan> plan, HashScheme scheme) {
    return waitsFor(plan, spec.chained() ? HashScheme.CHAIN : scheme);
  }

  /**
   * The steps of {@code plan} that each of its steps waits for, keyed by qualified name in plan
   * order: under {@link HashScheme#DAG} the steps of the plan whose outputs it reads; under {@link
   * HashScheme#CHAIN} the step before it, as runs started before the graph ran.
   */
  public static Map<String, List<String>> waitsFor(List<StagePlan> plan, HashScheme scheme) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    String previous = null;
    for (StagePlan s : plan) {
      for (StepConfig c : s.steps()) {
        List<String> before = new ArrayList<>();
        if (scheme == HashScheme.CHAIN) {
          if (previous != null) {
            before.add(previous);
          }
        } else {
          // only steps earlier in the plan: a spec's order is checked to put producers first
          java.util.Set<String> reads = readsWithin(c.qualifiedName(), planned(plan));
          for (String in : out.keySet()) {
            if (reads.contains(in)) {
              before.add(in);
            }
          }
        }
        out.put(c.qualifiedName(), List.copyOf(before));
        previous = c.qualifiedName();
      }
    }
    return out;
  }

  /**
   * The steps of {@code planned} whose outputs {@code step} reads: a step left out of the plan
   * (runs started before it existed) stands for the steps it reads, as those runs read them
   * directly.
   */
  static java.util.Set<String> readsWithin(String step, java.util.Set<String> planned) {
    java.util.Set<String> out = new java.util.HashSet<>();
    java.util.Deque<String> todo = new java.util.ArrayDeque<>(inputsOf(step));
    java.util.Set<String> seen = new java.util.HashSet<>();
    while (!todo.isEmpty()) {
      String s = todo.pop();
      if (!seen.add(s)) {
        continue;
      }
      if (planned.contains(s)) {
        out.add(s);
      } else {
        todo.addAll(inputsOf(s));
      }
    }
    return out;
  }

  private static java.util.Set<String> planned(List<StagePlan> plan) {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (StagePlan s : plan) {
      for (StepConfig c : s.steps()) {
        out.add(c.qualifiedName());
      }
    }
    return out;
  }

  /**
   * The same plan without the given step ({@code stage.step}); the steps after it keep their
   * hashes.
   */
  public static List<StagePlan> without(List<StagePlan> plan, String qualifiedStep) {
    List<StagePlan> out = new ArrayList<>();
    for (StagePlan s : plan) {
      List<StepConfig> steps = new ArrayList<>();
      for (StepConfig c : s.steps()) {
        if (!(s.stage() + "." + c.step()).equals(qualifiedStep)) {
          steps.add(c);
        }
      }
      out.add(new StagePlan(s.stage(), s.ordinal(), steps));
    }
    return out;
  }

  /**
   * The same plan without the compress stage's pyramid steps (runs started before the chain had
   * them replay without them); the steps after them keep their hashes.
   */
  public static List<StagePlan> withoutPyramid(List<StagePlan> plan) {
    List<StagePlan> out = plan;
    for (StagePlan s : plan) {
      for (StepConfig c : s.steps()) {
        if (s.stage().equals("compress") && CompressPlanners.isPyramidStep(c.step())) {
          out = without(out, "compress." + c.step());
        }
      }
    }
    return out;
  }

  /** The stages and steps of {@code spec}, in execution order, hashed along the graph. */
  public static List<StagePlan> stages(RunSpec spec) {
    return stages(spec, HashScheme.DAG);
  }

  /** The stages and steps of {@code spec}, in execution order, hashed by {@code scheme}. */
  public static List<StagePlan> stages(RunSpec spec, HashScheme scheme) {
    Map<String, String> hashes = new LinkedHashMap<>();
    List<StagePlan> out = new ArrayList<>();
    StageSettings defaults =
        spec.defaults() == null
            ? new StageSettings(null, null, null, null, null, null, null, null, null)
            : spec.defaults();
    String upstream = "";
    int ordinal = 0;
    int stageOrdinal = 0;
    for (StageSpec st : spec.stages()) {
      Stage stage =
          Stage.byId(st.stage())
              .orElseThrow(
                  () -> new IllegalArgumentException("unknown stage '" + st.stage() + "'"));
      List<StepConfig> steps = new ArrayList<>();
      List<String> names = new ArrayList<>(stage.steps());
      // the compress stage's full pyramid: one step per scale above what compress.image writes
      int pyramidSteps = stage == Stage.COMPRESS ? CompressPlanners.pyramidSteps(spec, st) : 0;
      for (int k = 1; k <= pyramidSteps; k++) {
        names.add(CompressPlanners.PYRAMID + k);
      }
      for (String stepName : names) {
        StepSpec sp = st.steps().get(stepName);
        StageSpec stageSpec = st;
        if (CompressPlanners.isPyramidStep(stepName)) {
          int k = Integer.parseInt(stepName.substring(CompressPlanners.PYRAMID.length()));
          stageSpec = withParams(st, CompressPlanners.pyramidParams(st, k, pyramidSteps));
        }
        Object inputs = upstream;
        if (scheme == HashScheme.DAG) {
          Map<String, String> read = new java.util.TreeMap<>();
          for (String in : inputsOf(stage.id() + "." + stepName)) {
            if (hashes.containsKey(in)) {
              read.put(in, hashes.get(in));
            }
          }
          inputs = read;
        }
        StepConfig c = resolve(spec, defaults, stageSpec, stepName, sp, ordinal++, inputs, scheme);
        hashes.put(c.qualifiedName(), c.paramsHash());
        if (!OFF_CHAIN.contains(c.qualifiedName())
            && !AFTER_THE_CHAIN.contains(c.qualifiedName())) {
          upstream = c.paramsHash();
        }
        steps.add(c);
      }
      out.add(new StagePlan(stage.id(), stageOrdinal++, steps));
    }
    return out;
  }

  private static StageSpec withParams(StageSpec s, Map<String, Object> params) {
    return new StageSpec(
        s.stage(),
        s.implementation(),
        params,
        s.steps(),
        s.container(),
        s.kubernetes(),
        s.unitsPerTask(),
        s.tasksPerShard(),
        s.parallelism(),
        s.shardsInFlight(),
        s.retry(),
        s.failureBudget(),
        s.resources(),
        s.timeout(),
        s.taskQueue());
  }

  /** All steps of {@code spec}, in execution order. */
  public static List<StepConfig> steps(RunSpec spec) {
    return steps(spec, HashScheme.DAG);
  }

  /** All steps of {@code spec}, in execution order, hashed by {@code scheme}. */
  public static List<StepConfig> steps(RunSpec spec, HashScheme scheme) {
    List<StepConfig> all = new ArrayList<>();
    for (StagePlan s : stages(spec, scheme)) {
      all.addAll(s.steps());
    }
    return all;
  }

  public static AutoResume autoResume(RunSpec spec) {
    AutoResumeSpec a = spec.autoResume();
    if (a == null) {
      a = new AutoResumeSpec(null, null, null, null);
    }
    return new AutoResume(
        or(a.maxResumes(), 3),
        or(a.backoff(), Duration.ofSeconds(30)),
        or(a.backoffMultiplier(), 2.0),
        or(a.maxBackoff(), Duration.ofMinutes(10)));
  }

  private static StepConfig resolve(
      RunSpec spec,
      StageSettings d,
      StageSpec st,
      String stepName,
      StepSpec sp,
      int ordinal,
      Object upstream,
      HashScheme scheme) {
    StepSpec s =
        sp == null
            ? new StepSpec(null, null, null, null, null, null, null, null, null, null, null, null)
            : sp;
    StepPlanner planner = Planners.of(st.stage(), stepName);
    Map<String, Object> params = new LinkedHashMap<>(st.params());
    params.putAll(s.params());
    int unitsPerTask =
        first(s.unitsPerTask(), st.unitsPerTask(), d.unitsPerTask(), planner.defaultUnitsPerTask());
    int tasksPerShard =
        first(s.tasksPerShard(), st.tasksPerShard(), d.tasksPerShard(), DEFAULT_TASKS_PER_SHARD);
    int parallelism =
        first(s.parallelism(), st.parallelism(), d.parallelism(), DEFAULT_PARALLELISM);
    int shardsInFlight =
        first(
            s.shardsInFlight(), st.shardsInFlight(), d.shardsInFlight(), DEFAULT_SHARDS_IN_FLIGHT);
    TaskRetry retry = retry(first(s.retry(), st.retry(), d.retry(), null));
    FailureBudget budget =
        first(s.failureBudget(), st.failureBudget(), d.failureBudget(), new FailureBudget(0L, 0.0));
    Resources resources = resources(first(s.resources(), st.resources(), d.resources(), null));
    Duration timeout = first(s.timeout(), st.timeout(), d.timeout(), DEFAULT_TIMEOUT);
    String taskQueue =
        first(
            s.taskQueue(),
            st.taskQueue(),
            d.taskQueue(),
            st.stage().equals("ingest") ? INGEST_TASK_QUEUE : DEFAULT_TASK_QUEUE);
    // a step may run another implementation than its stage (FFN's container for segment.inference
    // only); its
    // container is its own, else the stage's unless the step chose a non-container implementation
    String implementation = s.implementation() != null ? s.implementation() : st.implementation();
    ContainerSpec container =
        s.container() != null
            ? s.container()
            : s.implementation() == null || runsProgram(s.implementation()) ? st.container() : null;
    Map<String, Object> identity = new LinkedHashMap<>();
    identity.put("stage", st.stage());
    identity.put("step", stepName);
    identity.put("implementation", implementation);
    identity.put("params", params);
    if (container != null) {
      identity.put("image", container.image());
      identity.put("command", container.command());
      // only when set, so that the hashes of steps written before these fields existed hold
      if (container.env() != null && !container.env().isEmpty()) {
        identity.put("env", container.env());
      }
      if (container.python() != null) {
        identity.put("python", container.python());
      }
      if (!container.outputs().isEmpty()) {
        identity.put("outputs", container.outputs());
      }
    }
    identity.put("upstream", upstream);
    if (scheme == HashScheme.DAG) {
      identity.put("outputVersion", OUTPUT_VERSIONS.getOrDefault(st.stage() + "." + stepName, 1));
      if (st.stage().equals("ingest")) {
        // another acquisition is other tiles, even with the same parameters
        identity.put("acquisition", acquisitionIdentity(spec.acquisition()));
      }
    }
    // The volume geometry shapes every unit space, so it is part of what the outputs depend on.
    identity.put("volume", spec.volume());
    identity.put("voxelSize", spec.voxelSize());
    String hash = Json.hash(identity, 16);
    return new StepConfig(
        spec.runId(),
        spec.sample(),
        st.stage(),
        stepName,
        ordinal,
        implementation,
        params,
        container,
        st.kubernetes(),
        unitsPerTask,
        tasksPerShard,
        parallelism,
        shardsInFlight,
        retry,
        or(budget.maxFailedUnits(), 0L),
        or(budget.maxFailedFraction(), 0.0),
        resources,
        timeout,
        taskQueue,
        hash);
  }

  /**
   * The acquisition folder as the ingest step's hash covers it: the spec loader made it absolute;
   * normalized here without touching the file system or the working directory (workflow code).
   */
  private static String acquisitionIdentity(String acquisition) {
    if (acquisition == null) {
      return null;
    }
    return java.nio.file.Path.of(acquisition).normalize().toString();
  }

  private static TaskRetry retry(RetrySpec r) {
    if (r == null) {
      return DEFAULT_RETRY;
    }
    TaskRetry def = DEFAULT_RETRY;
    return new TaskRetry(
        or(r.maxAttempts(), def.maxAttempts()),
        or(r.initialBackoff(), def.initialBackoff()),
        or(r.backoffMultiplier(), def.backoffMultiplier()),
        or(r.maxBackoff(), def.maxBackoff()),
        or(r.nonRetryableExitCodes(), def.nonRetryableExitCodes()));
  }

  private static Resources resources(Resources r) {
    if (r == null) {
      return DEFAULT_RESOURCES;
    }
    return new Resources(
        or(r.cpu(), DEFAULT_RESOURCES.cpu()),
        or(r.memory(), DEFAULT_RESOURCES.memory()),
        or(r.gpu(), DEFAULT_RESOURCES.gpu()));
  }

  @SafeVarargs
  private static <T> T first(T... values) {
    for (T v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private static <T> T or(T v, T fallback) {
    return Objects.requireNonNullElse(v, fallback);
  }
}
