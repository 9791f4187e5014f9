package org.connectome.tasks;

import java.util.List;
import java.util.Set;
import org.connectome.pipeline.Planners;
import org.connectome.spec.ExecutorSpec;
import org.connectome.spec.SpecCheck;
import org.connectome.tasks.synthetic.SyntheticParams;

/** The checks this build adds to the run spec loader: parameters it understands, implementations it has. */
public final class PlatformSpecChecks {
  private PlatformSpecChecks() {}

  public static List<SpecCheck> all() {
    return all(Set.of());
  }

  /**
   * @param workerImplementations implementations that run inside the workers rather than in task processes, as
   *                              {@code stage/implementation} (the reference ingest)
   */
  public static List<SpecCheck> all(Set<String> workerImplementations) {
    return List.of(Planners.paramsCheck(), SyntheticParams.check(), implementations(workerImplementations));
  }

  /** Every stage's implementation must exist in this build, and containers need Kubernetes. */
  static SpecCheck implementations(Set<String> workerImplementations) {
    return (spec, errors) -> {
      boolean kubernetes = spec.executor() != null && ExecutorSpec.KUBERNETES.equals(spec.executor().type());
      for (int i = 0; i < spec.stages().size(); i++) {
        var st = spec.stages().get(i);
        String impl = st.implementation();
        if (impl == null) {
          continue;
        }
        if (impl.equals("container")) {
          if (!kubernetes) {
            errors.add("stages[" + i + "].implementation", "'container' runs a facility's image and needs "
                + "executor.type: kubernetes; the local executor runs this build's own implementations");
          }
        } else if (!UnitRunners.isAvailable(impl, st.stage())
            && !workerImplementations.contains(st.stage() + "/" + impl)) {
          List<String> others = UnitRunners.available().stream().filter(a -> a.startsWith(st.stage() + "/"))
              .map(a -> a.substring(a.indexOf('/') + 1)).toList();
          errors.add("stages[" + i + "].implementation", "'" + impl + "' is not available for stage " + st.stage()
              + " in this build (available: synthetic" + (others.isEmpty() ? "" : ", " + String.join(", ", others))
              + (workerImplementations.contains(st.stage() + "/reference") ? ", reference" : "")
              + (kubernetes ? ", container" : "") + ")");
        }
      }
    };
  }
}
