package org.connectome.tasks.params;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;
import org.connectome.spec.Stage;
import org.connectome.tasks.UnitRunners;

/**
 * The README's parameter lists, written from the steps' declarations ({@link ParameterCatalog})
 * between the markers {@value #BEGIN} and {@value #END}.
 */
public final class ParameterDocs {
  public static final String BEGIN = "<!-- parameters: generated from the declarations -->";
  public static final String END = "<!-- parameters: end -->";

  private ParameterDocs() {}

  /** {@code text} with the part between the markers written anew. */
  public static String replace(String text, ParameterCatalog catalog) {
    int a = text.indexOf(BEGIN);
    int b = text.indexOf(END);
    if (a < 0 || b < a) {
      throw new IllegalArgumentException("the text lacks the markers " + BEGIN + " ... " + END);
    }
    return text.substring(0, a) + BEGIN + "\n" + markdown(catalog) + text.substring(b);
  }

  /** The lists: one table per stage (planner and reference), then the synthetic kind's. */
  public static String markdown(ParameterCatalog catalog) {
    StringBuilder b = new StringBuilder();
    for (Stage s : Stage.values()) {
      Map<String, Row> rows = new LinkedHashMap<>();
      for (String step : s.steps()) {
        for (Param<?> p : catalog.planner(s.id(), step)) {
          rows.computeIfAbsent(p.name() + "/planner", k -> new Row(p, "any")).steps.add(step);
        }
        for (Param<?> p : catalog.own("reference", s.id(), step)) {
          rows.computeIfAbsent(
                  p.name() + "/reference/" + p.expected(), k -> new Row(p, "reference"))
              .steps
              .add(step);
        }
      }
      if (rows.isEmpty()) {
        continue;
      }
      b.append("\n**").append(s.id()).append("**\n\n");
      header(b, true);
      for (Row r : rows.values()) {
        row(b, r.param, String.join(", ", r.steps) + " (" + r.implementation + ")");
      }
    }
    b.append("\n**synthetic** (every step of a stage with `implementation: synthetic`)\n\n");
    header(b, false);
    for (Param<?> p : catalog.own(UnitRunners.SYNTHETIC, "stitch", "stitch")) {
      row(b, p, null);
    }
    b.append('\n');
    return b.toString();
  }

  private static final class Row {
    final Param<?> param;
    final String implementation;
    final List<String> steps = new ArrayList<>();

    Row(Param<?> param, String implementation) {
      this.param = param;
      this.implementation = implementation;
    }
  }

  private static void header(StringBuilder b, boolean steps) {
    b.append(
        steps
            ? "| parameter | read by | value | default | meaning |\n"
            : "| parameter | value | default | meaning |\n");
    b.append(steps ? "|---|---|---|---|---|\n" : "|---|---|---|---|\n");
  }

  private static void row(StringBuilder b, Param<?> p, String readBy) {
    b.append("| `").append(p.name()).append("` | ");
    if (readBy != null) {
      b.append(readBy).append(" | ");
    }
    b.append(cell(p.expected()))
        .append(" | ")
        .append(p.defaultText() == null ? "" : "`" + p.defaultText() + "`")
        .append(" | ")
        .append(cell(p.description()))
        .append(" |\n");
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }
}
