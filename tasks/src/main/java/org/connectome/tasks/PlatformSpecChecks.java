package org.connectome.tasks;

import java.util.List;
import java.util.Set;
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
    return List.of(implementations(workerImplementations));
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
            "'container' runs a facility's image and needs executor.type: kubernetes; the local "
                + "executor runs this build's own implementations");
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
              + (kubernetes ? ", container" : "")
              + ")");
    }
  }
}
