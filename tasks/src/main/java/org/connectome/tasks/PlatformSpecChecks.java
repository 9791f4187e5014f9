package org.connectome.tasks;

import java.util.List;
import java.util.Set;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.ExecutorSpec;
import org.connectome.spec.SpecCheck;
import org.connectome.spec.Stage;

/**
 * The checks this build adds to the run spec loader: the implementations it has. Parameters are
 * checked by the run-spec schema, generated from their declarations ({@link
 * org.connectome.tasks.params.RunSpecSchemaGenerator}).
 */
public final class PlatformSpecChecks {
  private PlatformSpecChecks() {}

  public static List<SpecCheck> all() {
    return all(Set.of());
  }

  /**
   * @param workerImplementations implementations that run inside the workers rather than in task
   *     processes, as {@code stage/implementation} (the reference ingest)
   */
  public static List<SpecCheck> all(Set<String> workerImplementations) {
    return List.of(implementations(workerImplementations), inputs(), stageWide(), kubernetes());
  }

  /**
   * Parameters that several steps of a stage must read alike, so a spec sets them on the stage:
   * segment.reconcile cuts the shards that segment.merge's rounds are planned over.
   */
  static final java.util.Map<String, List<String>> STAGE_WIDE =
      java.util.Map.of("segment", List.of("shardSubvolumes", "mergeFanIn"));

  static SpecCheck stageWide() {
    return (spec, errors) -> {
      for (int i = 0; i < spec.stages().size(); i++) {
        var st = spec.stages().get(i);
        for (String param : STAGE_WIDE.getOrDefault(st.stage(), List.of())) {
          for (var e : new java.util.TreeMap<>(st.steps()).entrySet()) {
            if (e.getValue() != null && e.getValue().params().containsKey(param)) {
              errors.add(
                  "stages[" + i + "].steps." + e.getKey() + ".params." + param,
                  "set it in the "
                      + st.stage()
                      + " stage's params: the stage's steps must read the same value");
            }
          }
        }
      }
    };
  }

  /** Completions (and parallelism) of one Indexed Job at most, as Kubernetes validates them. */
  public static final int MAX_COMPLETIONS = 100_000;

  private static final java.util.regex.Pattern DNS_1123_LABEL =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  /**
   * A run reads only its own outputs: a stage whose reference implementation reads what another
   * stage writes ({@link Pipeline#INPUTS}) needs that stage in the spec, before it. Synapses
   * without segmentation ({@code whenNoSegmentation: ignore}) and compressing the image alone
   * ({@code whenNoSegmentation: skip}) are allowed.
   */
  static SpecCheck inputs() {
    return (spec, errors) -> {
      java.util.Set<String> present = new java.util.HashSet<>();
      spec.stages().forEach(st -> present.add(st.stage()));
      for (int i = 0; i < spec.stages().size(); i++) {
        var st = spec.stages().get(i);
        if (Stage.byId(st.stage()).isEmpty()) {
          continue;
        }
        java.util.Set<String> missing = new java.util.TreeSet<>();
        for (String step : Stage.byId(st.stage()).get().steps()) {
          var own = st.steps().get(step);
          String impl =
              own != null && own.implementation() != null
                  ? own.implementation()
                  : st.implementation();
          if (!"reference".equals(impl)) {
            continue;
          }
          java.util.Map<String, Object> params = new java.util.HashMap<>(st.params());
          if (own != null) {
            params.putAll(own.params());
          }
          for (String input : Pipeline.inputsOf(st.stage() + "." + step)) {
            String stage = input.substring(0, input.indexOf('.'));
            boolean optional =
                stage.equals("segment")
                    && ((step.equals("detect") && "ignore".equals(params.get("whenNoSegmentation")))
                        || (step.equals("segmentation")
                            && "skip".equals(params.get("whenNoSegmentation"))));
            if (!present.contains(stage) && !optional) {
              missing.add(stage);
            }
          }
        }
        if (!missing.isEmpty()) {
          errors.add(
              "stages[" + i + "].stage",
              "'"
                  + st.stage()
                  + "' (reference) reads what "
                  + String.join(" and ", missing)
                  + " writes, and a run reads only its own outputs: add "
                  + (missing.size() == 1 ? "that stage" : "those stages")
                  + " before it");
        }
      }
    };
  }

  /**
   * What Kubernetes would refuse: an Indexed Job of more than {@value #MAX_COMPLETIONS}
   * completions, and names that are not DNS-1123 (namespace a label; service account, claim,
   * priority classes and queue subdomains).
   */
  static SpecCheck kubernetes() {
    return (spec, errors) -> {
      if (spec.executor() == null || !ExecutorSpec.KUBERNETES.equals(spec.executor().type())) {
        return;
      }
      var k = spec.executor().kubernetes();
      if (k != null) {
        label("executor.kubernetes.namespace", k.namespace(), errors);
        subdomain("executor.kubernetes.serviceAccount", k.serviceAccount(), errors);
        subdomain("executor.kubernetes.dataVolumeClaim", k.dataVolumeClaim(), errors);
        subdomain("executor.kubernetes.priorityClass", k.priorityClass(), errors);
        subdomain("executor.kubernetes.kueueQueue", k.kueueQueue(), errors);
      }
      for (int i = 0; i < spec.stages().size(); i++) {
        var st = spec.stages().get(i);
        if (st.kubernetes() != null) {
          subdomain(
              "stages[" + i + "].kubernetes.priorityClass",
              st.kubernetes().priorityClass(),
              errors);
        }
      }
      for (StepConfig c : Pipeline.steps(spec)) {
        int i = indexOf(spec, c.stage());
        if (c.tasksPerShard() > MAX_COMPLETIONS) {
          errors.add(
              where(spec, i, c, "tasksPerShard"),
              "must be at most "
                  + MAX_COMPLETIONS
                  + " on Kubernetes (a shard is one Indexed Job, and a Job has at most that many"
                  + " completions)");
        }
      }
    };
  }

  private static int indexOf(org.connectome.spec.RunSpec spec, String stage) {
    for (int i = 0; i < spec.stages().size(); i++) {
      if (spec.stages().get(i).stage().equals(stage)) {
        return i;
      }
    }
    return -1;
  }

  /** The most specific field that set the step's {@code setting}. */
  private static String where(
      org.connectome.spec.RunSpec spec, int i, StepConfig c, String setting) {
    var st = spec.stages().get(i);
    var own = st.steps().get(c.step());
    if (own != null && own.tasksPerShard() != null) {
      return "stages[" + i + "].steps." + c.step() + "." + setting;
    }
    if (st.tasksPerShard() != null) {
      return "stages[" + i + "]." + setting;
    }
    return "defaults." + setting;
  }

  private static void label(String path, String value, org.connectome.spec.SpecErrors errors) {
    if (value != null && (value.length() > 63 || !DNS_1123_LABEL.matcher(value).matches())) {
      errors.add(
          path,
          "'"
              + value
              + "' is not a DNS-1123 label (lower-case letters, digits and '-', starting and"
              + " ending with a letter or digit, at most 63 characters)");
    }
  }

  private static void subdomain(String path, String value, org.connectome.spec.SpecErrors errors) {
    if (value == null) {
      return;
    }
    boolean ok = value.length() <= 253;
    for (String part : value.split("\\.", -1)) {
      ok &= part.length() <= 63 && DNS_1123_LABEL.matcher(part).matches();
    }
    if (!ok) {
      errors.add(
          path,
          "'"
              + value
              + "' is not a DNS-1123 name (lower-case letters, digits, '-' and '.', each part"
              + " starting and ending with a letter or digit)");
    }
  }

  /**
   * Every implementation a step runs must exist in this build (a stage's for its steps without an
   * implementation of their own, a step's own otherwise), and containers need Kubernetes.
   */
  static SpecCheck implementations(Set<String> workerImplementations) {
    return (spec, errors) -> {
      boolean kubernetes =
          spec.executor() != null && ExecutorSpec.KUBERNETES.equals(spec.executor().type());
      for (int i = 0; i < spec.stages().size(); i++) {
        var st = spec.stages().get(i);
        String path = "stages[" + i + "]";
        Stage stage = st.stage() == null ? null : Stage.byId(st.stage()).orElse(null);
        // the steps that run the stage's implementation (those without one of their own)
        List<String> stageSteps =
            stage == null
                ? List.of()
                : stage.steps().stream()
                    .filter(
                        s ->
                            st.steps().get(s) == null || st.steps().get(s).implementation() == null)
                    .toList();
        String impl = st.implementation();
        if (impl != null && (stage == null || !stageSteps.isEmpty())) {
          check(
              impl,
              st.stage(),
              stage == null ? List.of() : stageSteps,
              path + ".implementation",
              kubernetes,
              workerImplementations,
              errors);
        }
        for (var e : new java.util.TreeMap<>(st.steps()).entrySet()) {
          String own = e.getValue().implementation();
          if (own != null && stage != null && stage.steps().contains(e.getKey())) {
            check(
                own,
                st.stage(),
                List.of(e.getKey()),
                path + ".steps." + e.getKey() + ".implementation",
                kubernetes,
                workerImplementations,
                errors);
          }
        }
      }
    };
  }

  private static void check(
      String impl,
      String stage,
      List<String> steps,
      String path,
      boolean kubernetes,
      Set<String> workerImplementations,
      org.connectome.spec.SpecErrors errors) {
    if (impl.equals("container")) {
      if (!kubernetes) {
        errors.add(
            path,
            "'container' runs a facility's image and needs executor.type: kubernetes; on the local "
                + "executor a facility's program runs as implementation: command");
      }
      return;
    }
    if (impl.equals("command")) {
      if (kubernetes) {
        errors.add(
            path,
            "'command' runs a program of the worker's machine on the local executor; on"
                + " Kubernetes a facility's program runs in its image as implementation: container");
      }
      return;
    }
    boolean available =
        workerImplementations.contains(stage + "/" + impl)
            || (steps.isEmpty()
                ? UnitRunners.isAvailable(impl, stage)
                : steps.stream().allMatch(s -> UnitRunners.isAvailable(impl, stage, s)));
    if (!available) {
      List<String> others =
          UnitRunners.available().stream()
              .filter(a -> a.startsWith(stage + "/"))
              .map(a -> a.substring(a.indexOf('/') + 1))
              .toList();
      errors.add(
          path,
          "'"
              + impl
              + "' is not available for "
              + (steps.size() == 1 ? "step " + stage + "." + steps.get(0) : "stage " + stage)
              + " in this build (available: synthetic"
              + (others.isEmpty() ? "" : ", " + String.join(", ", others))
              + (workerImplementations.contains(stage + "/reference") ? ", reference" : "")
              + (kubernetes ? ", container" : ", command")
              + ")");
    }
  }
}
