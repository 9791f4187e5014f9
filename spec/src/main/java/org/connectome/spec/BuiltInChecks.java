package org.connectome.spec;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The semantic checks every run specification passes, after the schema: chain order, step names,
 * what a container stage and a Kubernetes executor need, backoff bounds and resource quantities.
 */
final class BuiltInChecks implements SpecCheck {
  static final String CHAIN_ORDER = String.join(", ", Stage.ids());

  @Override
  public void check(RunSpec spec, SpecErrors errors) {
    checkStages(spec.stages(), errors);
    checkExecutor(spec.executor(), errors);
    if (spec.defaults() != null) {
      checkSettings("defaults", spec.defaults().retry(), spec.defaults().resources(), errors);
    }
    AutoResumeSpec resume = spec.autoResume();
    if (resume != null) {
      checkBackoff("autoResume", "backoff", resume.backoff(), resume.maxBackoff(), errors);
    }
    checkGates(spec, errors);
  }

  private static void checkGates(RunSpec spec, SpecErrors errors) {
    for (int i = 0; i < spec.qcGates().size(); i++) {
      QcGateSpec g = spec.qcGates().get(i);
      String path = SpecPaths.index("qcGates", i);
      if (g.stage() != null && spec.stages().stream().noneMatch(s -> g.stage().equals(s.stage()))) {
        errors.add(path + ".stage", "'" + g.stage() + "' is not a stage of this run");
      }
      if (g.max() == null && g.min() == null) {
        errors.add(path, "a gate needs a bound: max, min or both");
      } else if (g.max() != null && g.min() != null && g.min() > g.max()) {
        errors.add(path + ".min", "min " + g.min() + " is above max " + g.max());
      }
    }
  }

  private static void checkStages(List<StageSpec> stages, SpecErrors errors) {
    Map<Stage, Integer> seen = new HashMap<>();
    for (int i = 0; i < stages.size(); i++) {
      StageSpec s = stages.get(i);
      String path = SpecPaths.index("stages", i);
      Stage stage = s.stage() == null ? null : Stage.byId(s.stage()).orElse(null);
      if (stage != null) {
        Integer first = seen.putIfAbsent(stage, i);
        if (first != null) {
          errors.add(
              path + ".stage",
              "'" + stage.id() + "' is listed twice (first at stages[" + first + "])");
        } else {
          for (int j = 0; j < i; j++) {
            Stage earlier = Stage.byId(stages.get(j).stage()).orElse(null);
            if (earlier != null && earlier.ordinal() > stage.ordinal()) {
              errors.add(
                  path + ".stage",
                  "'"
                      + stage.id()
                      + "' must come before '"
                      + earlier.id()
                      + "' (chain order: "
                      + CHAIN_ORDER
                      + ")");
              break;
            }
          }
        }
        for (String step : s.steps().keySet()) {
          if (!stage.steps().contains(step)) {
            errors.add(
                SpecPaths.field(path + ".steps", step),
                "stage '"
                    + stage.id()
                    + "' has no step '"
                    + step
                    + "' (steps: "
                    + String.join(", ", stage.steps())
                    + ")");
          }
        }
      }
      if (isProgram(s.implementation())) {
        checkContainer(path, s.container(), s.implementation(), "", errors);
      }
      // a step may run a container of its own, or the stage's, while the stage runs another
      // implementation
      for (Map.Entry<String, StepSpec> e : new java.util.TreeMap<>(s.steps()).entrySet()) {
        StepSpec st = e.getValue();
        String stepPath = SpecPaths.field(path + ".steps", e.getKey());
        String own = st.implementation();
        if (!isProgram(own)) {
          continue;
        }
        if (st.container() != null) {
          checkContainer(stepPath, st.container(), own, "", errors);
        } else if (s.container() == null) {
          errors.add(
              stepPath + ".container",
              "is required for implementation '" + own + "' (here or at " + path + ".container)");
        } else if (!own.equals(s.implementation())) {
          checkContainer(path, s.container(), own, " of step '" + e.getKey() + "'", errors);
        }
      }
      checkSettings(path, s.retry(), s.resources(), errors);
      s.steps().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(
              e ->
                  checkSettings(
                      SpecPaths.field(path + ".steps", e.getKey()),
                      e.getValue().retry(),
                      e.getValue().resources(),
                      errors));
    }
  }

  /**
   * Whether {@code implementation} runs a facility's own program: {@code container} or {@code
   * command}.
   */
  private static boolean isProgram(String implementation) {
    return "container".equals(implementation) || "command".equals(implementation);
  }

  private static void checkContainer(
      String path, ContainerSpec c, String implementation, String ofStep, SpecErrors errors) {
    String why = "implementation '" + implementation + "'" + ofStep;
    if (c == null) {
      errors.add(path + ".container", "is required for " + why);
      return;
    }
    if (implementation.equals("container") && (c.image() == null || c.image().isBlank())) {
      errors.add(path + ".container.image", "is required for " + why);
    }
    if (c.command() == null) {
      errors.add(path + ".container.command", "is required for " + why);
    } else if (c.command().isEmpty()) {
      errors.add(path + ".container.command", "must not be empty for " + why);
    }
  }

  private static void checkExecutor(ExecutorSpec executor, SpecErrors errors) {
    if (executor != null
        && ExecutorSpec.KUBERNETES.equals(executor.type())
        && (executor.kubernetes() == null || executor.kubernetes().namespace() == null)) {
      errors.add("executor.kubernetes.namespace", "is required when executor.type is 'kubernetes'");
    }
  }

  private static void checkSettings(
      String path, RetrySpec retry, Resources resources, SpecErrors errors) {
    if (retry != null) {
      checkBackoff(
          path + ".retry", "initialBackoff", retry.initialBackoff(), retry.maxBackoff(), errors);
    }
    if (resources != null) {
      if (resources.cpu() != null) {
        try {
          Quantities.cpuCores(resources.cpu());
        } catch (IllegalArgumentException e) {
          errors.add(path + ".resources.cpu", e.getMessage());
        }
      }
      String memory = resources.memory();
      if (memory != null) {
        try {
          Quantities.bytes(memory);
          if (memory.strip().endsWith("m")) {
            String number = memory.strip().substring(0, memory.strip().length() - 1);
            errors.add(
                path + ".resources.memory",
                "'"
                    + memory
                    + "' means "
                    + Quantities.value(memory).toPlainString()
                    + " bytes (m is milli); did you mean '"
                    + number
                    + "Mi'?");
          }
        } catch (IllegalArgumentException e) {
          errors.add(path + ".resources.memory", e.getMessage());
        }
      }
    }
  }

  private static void checkBackoff(
      String path, String first, Duration initial, Duration max, SpecErrors errors) {
    if (initial != null && max != null && initial.compareTo(max) > 0) {
      errors.add(
          path + "." + first,
          "must not be longer than maxBackoff ("
              + Durations.format(initial)
              + " > "
              + Durations.format(max)
              + ")");
    }
  }
}
