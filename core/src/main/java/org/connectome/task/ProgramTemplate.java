package org.connectome.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.Vec3;
import org.connectome.units.UnitRange;

/**
 * The placeholders of a facility's program ({@code container.command} and {@code
 * container.outputs}): {@code {unitStart}}, {@code {unitEnd}}, {@code {stepDir}}, {@code
 * {params.NAME}} and, for block steps, {@code {bbox}}, the bounding box of the task's units with
 * their overlap as {@code x0-x1_y0-y1_z0-z1}.
 */
public final class ProgramTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_.-]*)}");

  /**
   * The values of one task's placeholders.
   *
   * @param stepDir the step's folder
   * @param params the step's parameters
   * @param unitStart first unit of the task
   * @param unitEnd end of the task's units (exclusive)
   * @param bbox the task's bounding box, or {@code -} when the step has no block grid
   */
  public record Values(
      String stepDir, Map<String, Object> params, long unitStart, long unitEnd, String bbox) {}

  private ProgramTemplate() {}

  /** The values for task {@code task} of a step planned as {@code plan}. */
  public static Values values(
      String stepDir, Map<String, Object> params, StepPlan plan, long task) {
    UnitRange units = plan.grouping().unitsOfTask(task);
    BlockGrid grid = plan.units() == null ? null : plan.units().grid();
    String bbox = grid == null ? "-" : bounds(grid, units).chunkName();
    return new Values(stepDir, params, units.from(), units.to(), bbox);
  }

  /**
   * {@code template} with every placeholder replaced.
   *
   * @param field the spec field the template comes from, for the error
   * @throws IllegalArgumentException naming an unknown placeholder or parameter
   */
  public static List<String> render(List<String> template, Values v, String field) {
    List<String> out = new ArrayList<>(template.size());
    for (String arg : template) {
      Matcher m = PLACEHOLDER.matcher(arg);
      StringBuilder b = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(b, Matcher.quoteReplacement(value(m.group(1), v, field)));
      }
      m.appendTail(b);
      out.add(b.toString());
    }
    return out;
  }

  private static String value(String name, Values v, String field) {
    switch (name) {
      case "stepDir":
        return v.stepDir();
      case "unitStart":
        return Long.toString(v.unitStart());
      case "unitEnd":
        return Long.toString(v.unitEnd());
      case "bbox":
        return v.bbox();
      default:
        break;
    }
    if (!name.startsWith("params.")) {
      throw new IllegalArgumentException(
          field
              + " uses the unknown placeholder {"
              + name
              + "} (known: {unitStart}, {unitEnd}, {stepDir}, {params.NAME}, {bbox})");
    }
    String p = name.substring("params.".length());
    if (!v.params().containsKey(p)) {
      throw new IllegalArgumentException(
          field
              + " uses {"
              + name
              + "} but the step has no parameter '"
              + p
              + "' (parameters: "
              + v.params().keySet().stream().sorted().toList()
              + ")");
    }
    return paramText(v.params().get(p));
  }

  /** A parameter as the program sees it: lists comma-separated. */
  public static String paramText(Object v) {
    if (v instanceof List<?> l) {
      return l.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    return String.valueOf(v);
  }

  /** The bounding box of {@code units} of {@code grid}, with their overlap. */
  public static Box bounds(BlockGrid grid, UnitRange units) {
    long x0 = Long.MAX_VALUE, y0 = Long.MAX_VALUE, z0 = Long.MAX_VALUE, x1 = 0, y1 = 0, z1 = 0;
    for (long u = units.from(); u < units.to(); u++) {
      Box box = grid.withOverlap(u);
      x0 = Math.min(x0, box.start().x());
      y0 = Math.min(y0, box.start().y());
      z0 = Math.min(z0, box.start().z());
      x1 = Math.max(x1, box.end().x());
      y1 = Math.max(y1, box.end().y());
      z1 = Math.max(z1, box.end().z());
    }
    return new Box(new Vec3(x0, y0, z0), new Vec3(x1, y1, z1));
  }
}
