package org.connectome.tasks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.connectome.layout.StepLayout;
import org.connectome.spec.Stage;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.synthetic.SyntheticUnitRunner;

/**
 * The unit runners of this build: the built-in {@code synthetic} kind for every step, and whatever
 * stage code the class path contributes through {@link StageCode}.
 */
public final class UnitRunners {
  /** Built-in: sleeps, may fail as configured, writes a small output and its marker. */
  public static final String SYNTHETIC = "synthetic";

  private static final Map<String, UnitRunnerFactory> RUNNERS = load();

  private UnitRunners() {}

  private static Map<String, UnitRunnerFactory> load() {
    Map<String, UnitRunnerFactory> m = new HashMap<>();
    for (StageCode code : ServiceLoader.load(StageCode.class, UnitRunners.class.getClassLoader())) {
      for (StageCode.Runner r : code.runners()) {
        m.put(key(r.implementation(), r.stage(), r.step()), r.factory());
      }
    }
    return m;
  }

  private static String key(String implementation, String stage, String step) {
    return implementation + "/" + stage + "." + step;
  }

  /**
   * Whether every step of {@code stage} can run {@code implementation} in this build's task
   * processes.
   */
  public static boolean isAvailable(String implementation, String stage) {
    if (SYNTHETIC.equals(implementation)) {
      return true;
    }
    return Stage.byId(stage)
        .map(
            s ->
                s.steps().stream()
                    .allMatch(step -> RUNNERS.containsKey(key(implementation, stage, step))))
        .orElse(false);
  }

  /**
   * Whether step {@code stage.step} can run {@code implementation} in this build's task processes.
   */
  public static boolean isAvailable(String implementation, String stage, String step) {
    return SYNTHETIC.equals(implementation)
        || RUNNERS.containsKey(key(implementation, stage, step));
  }

  /**
   * The {@code stage/implementation} pairs the task processes of this build can run, for messages.
   */
  public static List<String> available() {
    TreeSet<String> out = new TreeSet<>();
    for (Stage s : Stage.values()) {
      for (String key : RUNNERS.keySet()) {
        String impl = key.substring(0, key.indexOf('/'));
        if (isAvailable(impl, s.id())) {
          out.add(s.id() + "/" + impl);
        }
      }
    }
    return new ArrayList<>(out);
  }

  /** A runner for the step, or a {@link BadDefinitionException} naming what is not available. */
  public static UnitRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    if (SYNTHETIC.equals(def.implementation())) {
      try {
        return new SyntheticUnitRunner(def, layout);
      } catch (IllegalArgumentException e) {
        throw new BadDefinitionException(e.getMessage(), e);
      }
    }
    UnitRunnerFactory f = RUNNERS.get(key(def.implementation(), def.stage(), def.step()));
    if (f == null) {
      throw new BadDefinitionException(
          "implementation '"
              + def.implementation()
              + "' of step "
              + def.stage()
              + "."
              + def.step()
              + " cannot run in this task image (available: synthetic everywhere"
              + (RUNNERS.isEmpty() ? "" : ", " + String.join(", ", available()))
              + ")");
    }
    return f.create(def, layout);
  }
}
