package org.connectome.stages.stitch;

import java.util.Map;
import org.connectome.tasks.BadDefinitionException;

/**
 * Typed access to a step's {@code params}, with defaults; a wrong type is a {@link
 * BadDefinitionException}.
 */
public final class StepParams {
  private final Map<String, Object> params;
  private final String step;

  public StepParams(Map<String, Object> params, String step) {
    this.params = params == null ? Map.of() : params;
    this.step = step;
  }

  public double number(String key, double fallback) throws BadDefinitionException {
    Object v = params.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new BadDefinitionException(
        step + ": params." + key + " must be a number, not '" + v + "'");
  }

  public int integer(String key, int fallback) throws BadDefinitionException {
    double d = number(key, fallback);
    if (d != Math.rint(d)) {
      throw new BadDefinitionException(step + ": params." + key + " must be an integer, not " + d);
    }
    return (int) d;
  }

  public boolean flag(String key, boolean fallback) throws BadDefinitionException {
    Object v = params.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new BadDefinitionException(
        step + ": params." + key + " must be true or false, not '" + v + "'");
  }

  public String text(String key, String fallback, String... allowed) throws BadDefinitionException {
    Object v = params.get(key);
    if (v == null) {
      return fallback;
    }
    for (String a : allowed) {
      if (a.equals(v)) {
        return a;
      }
    }
    throw new BadDefinitionException(
        step
            + ": params."
            + key
            + " must be one of "
            + String.join(", ", allowed)
            + ", not '"
            + v
            + "'");
  }
}
