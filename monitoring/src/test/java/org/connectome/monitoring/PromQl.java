package org.connectome.monitoring;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A coarse reading of PromQL: the metric names an expression selects (enough to check they exist).
 */
final class PromQl {
  private static final Pattern STRING =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern BRACES = Pattern.compile("\\{[^{}]*}");
  private static final Pattern BRACKETS = Pattern.compile("\\[[^\\[\\]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
  private static final Pattern IDENT =
      Pattern.compile("(?<![\\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "offset",
          "and",
          "or",
          "unless",
          "atan2",
          "inf",
          "nan",
          "Inf",
          "NaN",
          "start",
          "end",
          // aggregation operators, which may be written with their grouping before the parenthesis
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile");

  private PromQl() {}

  /** The metric names selected in {@code expr} (template variables must be substituted first). */
  static Set<String> metricNames(String expr) {
    String e = STRING.matcher(expr).replaceAll("\"\"");
    e = BRACES.matcher(e).replaceAll("{}");
    e = BRACKETS.matcher(e).replaceAll("[]");
    e = GROUPING.matcher(e).replaceAll("$1");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENT.matcher(e);
    while (m.find()) {
      String id = m.group(1);
      boolean call = m.group(2) != null;
      if (!call && !KEYWORDS.contains(id)) {
        names.add(id);
      }
    }
    return names;
  }

  /** Sample names a family of this exposition type has ({@code _bucket}, {@code _total}, ...). */
  static Set<String> sampleNames(String family, String type) {
    Set<String> s = new LinkedHashSet<>();
    switch (type) {
      case "histogram" -> {
        s.add(family + "_bucket");
        s.add(family + "_sum");
        s.add(family + "_count");
      }
      case "summary" -> {
        s.add(family);
        s.add(family + "_sum");
        s.add(family + "_count");
      }
      case "counter" -> {
        s.add(family.endsWith("_total") ? family : family + "_total");
        s.add(family);
      }
      default -> s.add(family);
    }
    return s;
  }
}
