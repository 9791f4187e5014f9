package org.connectome.spec;

import java.util.regex.Pattern;

/**
 * Field paths as errors show them: {@code stages[3].unitsPerTask}, {@code executor.local.launcher},
 * {@code stages[0].steps.inference.params.x}. The empty path is the whole document. A key that
 * would be ambiguous in this syntax (it contains {@code .}, {@code [}, {@code ]}, a quote or
 * whitespace, or is empty) is written in brackets: {@code params['a.b']}.
 */
public final class SpecPaths {
  private static final Pattern PLAIN_KEY = Pattern.compile("[^.\\[\\]'\\s]+");

  private SpecPaths() {}

  /** The path of field {@code name} of the object at {@code parent}. */
  public static String field(String parent, String name) {
    if (!PLAIN_KEY.matcher(name).matches()) {
      return parent + "['" + name.replace("'", "''") + "']";
    }
    return parent.isEmpty() ? name : parent + "." + name;
  }

  /** The path of element {@code index} of the list at {@code parent}. */
  public static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }

  /** The path of the object or list holding {@code path}; the empty path for a top-level field. */
  public static String parent(String path) {
    int lastStart = 0;
    int i = 0;
    while (i < path.length()) {
      char c = path.charAt(i);
      if (c == '.') {
        lastStart = i;
        i++;
      } else if (c == '[') {
        lastStart = i;
        if (i + 1 < path.length() && path.charAt(i + 1) == '\'') {
          // ['key'] with quotes doubled inside
          i += 2;
          while (i < path.length()) {
            if (path.charAt(i) == '\'') {
              if (i + 1 < path.length() && path.charAt(i + 1) == '\'') {
                i += 2;
                continue;
              }
              break;
            }
            i++;
          }
        }
        i = path.indexOf(']', i);
        if (i < 0) {
          break;
        }
        i++;
      } else {
        i++;
      }
    }
    return path.substring(0, lastStart);
  }
}
