package org.connectome.markers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.connectome.layout.RunLayout;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.task.TaskDefinition;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;

/**
 * The completion markers of a whole run, step by step in chain order: what {@code connectome
 * verify} checks and {@code connectome redo} takes away. A step's units are those its last plan
 * wrote into {@code step.json}; a step never planned has none yet.
 */
public final class RunMarkers {
  /**
   * One step of the run.
   *
   * @param step the step as the spec configures it
   * @param layout its folder
   * @param units its units as last planned, or -1 when it was never planned
   * @param store its markers
   */
  public record StepMarkers(StepConfig step, StepLayout layout, long units, MarkerStore store) {
    public boolean planned() {
      return units >= 0;
    }

    /** Every unit of the step, or none when it was never planned. */
    public UnitRange all() {
      return new UnitRange(0, Math.max(0, units));
    }
  }

  private RunMarkers() {}

  /** The steps of {@code spec}, in chain order, with the units of their last plan. */
  public static List<StepMarkers> of(RunSpec spec) throws IOException {
    RunLayout run = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run());
    List<StepMarkers> out = new ArrayList<>();
    for (StepConfig c : Pipeline.steps(spec)) {
      StepLayout layout = run.step(c.stage(), c.step());
      long units = -1;
      Path def = layout.definitionFile();
      if (Files.isRegularFile(def)) {
        TaskDefinition d = TaskDefinition.read(def);
        if (c.paramsHash().equals(d.paramsHash())) {
          units = d.plan().grouping().unitCount();
        }
      }
      out.add(
          new StepMarkers(c, layout, units, new MarkerStore(layout.markersDir(), run.runDir())));
    }
    return out;
  }

  /** The step named {@code stage.step}. */
  public static Optional<StepMarkers> find(List<StepMarkers> steps, String qualifiedStep) {
    return steps.stream().filter(s -> s.step().qualifiedName().equals(qualifiedStep)).findFirst();
  }

  /**
   * What redoing {@code units} of step {@code qualifiedStep} takes away: those units' markers, and
   * every unit of every step that reads their outputs, directly or through other steps ({@link
   * Pipeline#INPUTS}): a section's montage moves the alignment of every section, a block's
   * segmentation the global ids, so a dependent step is redone whole.
   *
   * @param units the units of the step, or null for all of them
   * @return per step the units whose markers go, in chain order
   */
  public static List<Redo> redo(
      List<StepMarkers> steps, String qualifiedStep, List<UnitRange> units) {
    List<Redo> out = new ArrayList<>();
    java.util.Set<String> changed = new java.util.HashSet<>();
    changed.add(qualifiedStep);
    for (StepMarkers s : steps) {
      String name = s.step().qualifiedName();
      if (name.equals(qualifiedStep)) {
        List<UnitRange> chosen =
            units == null
                ? List.of(s.all())
                : Ranges.normalize(
                    units.stream()
                        .map(r -> r.intersect(s.all()))
                        .filter(r -> !r.isEmpty())
                        .toList());
        out.add(new Redo(s, chosen));
      } else if (!changed.isEmpty()
          && out.size() > 0
          && Pipeline.inputsOf(name).stream().anyMatch(changed::contains)) {
        changed.add(name);
        if (s.planned()) {
          out.add(new Redo(s, List.of(s.all())));
        }
      }
    }
    return out;
  }

  /**
   * Units of one step to run again.
   *
   * @param step the step
   * @param units the units whose markers go
   */
  public record Redo(StepMarkers step, List<UnitRange> units) {
    public long count() {
      return Ranges.count(units);
    }

    /** Takes the markers away; returns how many there were. */
    public long apply() throws IOException {
      long removed = 0;
      String hash = step.step().paramsHash();
      for (UnitRange r : units) {
        var done = step.store().scan(r, hash);
        for (int i = done.nextSetBit(0); i >= 0; i = done.nextSetBit(i + 1)) {
          step.store().invalidate(r.from() + i, hash, false);
          removed++;
        }
      }
      return removed;
    }
  }
}
