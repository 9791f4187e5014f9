package org.connectome.stages.precomputed;

import java.util.List;
import java.util.Map;

/**
 * Reads typed values from a step's {@code params} (YAML numbers arrive as Integer, Long or Double),
 * with messages that name the parameter. Throws {@link IllegalArgumentException}; runner factories
 * turn it into a bad definition.
 */
public final class ParamValues {
  private final String step;
  private final Map<String, Object> params;

  public ParamValues(String step, Map<String, Object> params) {
    this.step = step;
    this.params = params == null ? Map.of() : params;
  }

  public boolean has(String key) {
    return params.get(key) != null;
  }

  /** Three positive integers {@code [x, y, z]}, or {@code fallback} when absent. */
  public int[] vec3(String key, int[] fallback, int min) {
    Object v = params.get(key);
    if (v == null) {
      return fallback == null ? null : fallback.clone();
    }
    if (!(v instanceof List<?> l) || l.size() != 3) {
      throw bad(key, v, "three integers [x, y, z]");
    }
    int[] out = new int[3];
    for (int i = 0; i < 3; i++) {
      if (!(l.get(i) instanceof Number n)
          || n.doubleValue() != Math.rint(n.doubleValue())
          || n.longValue() < min
          || n.longValue() > Integer.MAX_VALUE) {
        throw bad(key, v, "three integers >= " + min + " [x, y, z]");
      }
      out[i] = n.intValue();
    }
    return out;
  }

  /**
   * Three positive numbers, as a list {@code [x, y, z]} or a map {@code {x, y, z}}, or null when
   * absent.
   */
  public double[] positive3(String key) {
    Object v = params.get(key);
    if (v == null) {
      return null;
    }
    Object[] xyz;
    if (v instanceof List<?> l && l.size() == 3) {
      xyz = l.toArray();
    } else if (v instanceof Map<?, ?> m && m.size() == 3) {
      xyz = new Object[] {m.get("x"), m.get("y"), m.get("z")};
    } else {
      throw bad(key, v, "three numbers [x, y, z] or {x, y, z}");
    }
    double[] out = new double[3];
    for (int i = 0; i < 3; i++) {
      if (!(xyz[i] instanceof Number n) || !(n.doubleValue() > 0)) {
        throw bad(key, v, "three positive numbers");
      }
      out[i] = n.doubleValue();
    }
    return out;
  }

  public int integer(String key, int fallback, int min, int max) {
    Object v = params.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.longValue() < min
        || n.longValue() > max) {
      throw bad(key, v, "an integer from " + min + " to " + max);
    }
    return n.intValue();
  }

  public String string(String key, String fallback, List<String> allowed) {
    Object v = params.get(key);
    if (v == null) {
      return fallback;
    }
    String s = v.toString();
    if (allowed != null && !allowed.contains(s)) {
      throw bad(key, v, "one of " + String.join(", ", allowed));
    }
    return s;
  }

  private IllegalArgumentException bad(String key, Object v, String expected) {
    return new IllegalArgumentException(
        step + ": params." + key + " must be " + expected + ", not " + v);
  }
}
