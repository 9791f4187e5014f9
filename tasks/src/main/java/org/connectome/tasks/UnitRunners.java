package org.connectome.tasks;

import java.util.Map;
import java.util.Set;
import org.connectome.layout.StepLayout;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.synthetic.SyntheticUnitRunner;

/** The unit runners this build ships, by implementation name. */
public final class UnitRunners {
  /** Built-in: sleeps, may fail as configured, writes a small output and its marker. */
  public static final String SYNTHETIC = "synthetic";

  /** Implementations available per stage in this build (the reference stage code lands stage by stage). */
  private static final Map<String, Set<String>> AVAILABLE = Map.of(SYNTHETIC, Set.of("*"));

  private UnitRunners() {}

  public static boolean isAvailable(String implementation, String stage) {
    Set<String> stages = AVAILABLE.get(implementation);
    return stages != null && (stages.contains("*") || stages.contains(stage));
  }

  /** A runner for the step, or a {@link BadDefinitionException} naming what is not available. */
  public static UnitRunner create(TaskDefinition def, StepLayout layout) throws BadDefinitionException {
    if (SYNTHETIC.equals(def.implementation())) {
      return new SyntheticUnitRunner(def, layout);
    }
    throw new BadDefinitionException("implementation '" + def.implementation() + "' of step " + def.stage() + "."
        + def.step() + " cannot run in this task image (available here: " + AVAILABLE.keySet() + ")");
  }
}
