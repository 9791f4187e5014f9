package org.connectome.tasks.params;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.Planners;
import org.connectome.spec.Param;
import org.connectome.spec.Stage;
import org.connectome.tasks.StepParameters;
import org.connectome.tasks.UnitRunners;
import org.connectome.tasks.synthetic.SyntheticParams;

/**
 * Every declared parameter of every step, by implementation: what the planner reads (any
 * implementation), what the built-in {@code synthetic} kind reads, and what the stage code on the
 * class path declares through {@link StepParameters}. A {@code container} step takes the planner's
 * parameters and passes any other to the facility's image.
 */
public final class ParameterCatalog {
  /** The implementations a spec names, in schema order. */
  public static final List<String> IMPLEMENTATIONS =
      List.of(UnitRunners.SYNTHETIC, "reference", Pipeline.CONTAINER, Pipeline.COMMAND);

  private final Map<String, List<Param<?>>> declared;

  private ParameterCatalog(Map<String, List<Param<?>>> declared) {
    this.declared = declared;
  }

  /** The declarations of this build's class path. */
  public static ParameterCatalog load() {
    Map<String, List<Param<?>>> m = new LinkedHashMap<>();
    for (StepParameters p :
        ServiceLoader.load(StepParameters.class, ParameterCatalog.class.getClassLoader())) {
      for (StepParameters.Declaration d : p.declarations()) {
        m.computeIfAbsent(key(d.implementation(), d.stage(), d.step()), k -> new ArrayList<>())
            .addAll(d.params());
      }
    }
    return new ParameterCatalog(m);
  }

  private static String key(String implementation, String stage, String step) {
    return implementation + "/" + stage + "." + step;
  }

  /**
   * Whether {@code implementation} takes parameters beyond the declared ones (a container or a
   * command: its template passes them to the program).
   */
  public static boolean open(String implementation) {
    return Pipeline.runsProgram(implementation);
  }

  /** The parameters the planner of {@code stage.step} reads, whatever the implementation. */
  public List<Param<?>> planner(String stage, String step) {
    return Planners.params(stage, step);
  }

  /** The parameters {@code implementation} of {@code stage.step} reads, the planner's first. */
  public List<Param<?>> step(String implementation, String stage, String step) {
    Map<String, Param<?>> out = new LinkedHashMap<>();
    for (Param<?> p : planner(stage, step)) {
      out.put(p.name(), p);
    }
    for (Param<?> p : own(implementation, stage, step)) {
      out.putIfAbsent(p.name(), p);
    }
    return List.copyOf(out.values());
  }

  /** The parameters {@code implementation} of {@code stage.step} reads besides the planner's. */
  public List<Param<?>> own(String implementation, String stage, String step) {
    if (UnitRunners.SYNTHETIC.equals(implementation)) {
      return SyntheticParams.PARAMS;
    }
    return declared.getOrDefault(key(implementation, stage, step), List.of());
  }

  /**
   * The parameters a stage's {@code params} may hold: every step's of {@code implementation}. A
   * name several steps read alike is listed once; read differently (an {@code encoding} of image or
   * segmentation chunks), a value must suit every one of them.
   *
   * @return name to the declarations of the steps that read it
   */
  public Map<String, List<Param<?>>> stage(String implementation, String stage) {
    Map<String, List<Param<?>>> out = new LinkedHashMap<>();
    for (String step : Stage.byId(stage).orElseThrow().steps()) {
      for (Param<?> p : step(implementation, stage, step)) {
        List<Param<?>> l = out.computeIfAbsent(p.name(), k -> new ArrayList<>());
        if (l.stream().noneMatch(q -> q.schema().equals(p.schema()))) {
          l.add(p);
        }
      }
    }
    return out;
  }

  /** The steps of {@code stage} that read parameter {@code name} under {@code implementation}. */
  public List<String> readers(String implementation, String stage, String name) {
    List<String> out = new ArrayList<>();
    for (String step : Stage.byId(stage).orElseThrow().steps()) {
      if (step(implementation, stage, step).stream().anyMatch(p -> p.name().equals(name))) {
        out.add(step);
      }
    }
    return out;
  }
}
