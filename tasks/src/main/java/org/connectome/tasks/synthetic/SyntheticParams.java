package org.connectome.tasks.synthetic;

import java.util.List;
import java.util.Map;
import org.connectome.spec.SpecCheck;
import org.connectome.spec.SpecErrors;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;

/**
 * Parameters of the built-in {@code synthetic} step kind, which tests and benchmarks use to
 * exercise the orchestration without real compute.
 *
 * @param unitMillis how long a unit works (sleeps)
 * @param jitter relative spread of {@code unitMillis}, 0 to 1
 * @param failProbability chance that an attempt of a unit fails (retryable), 0 to 1
 * @param failFirstAttempts every unit fails (retryable) on its first N attempts, counted across
 *     resumes
 * @param failUnits units that fail (retryable) on every attempt
 * @param permanentFailUnits units that fail as bad input (not retryable) on every attempt
 * @param outputBytes size of the output each unit writes
 * @param seed seed of the pseudo-random choices
 */
public record SyntheticParams(
    long unitMillis,
    double jitter,
    double failProbability,
    int failFirstAttempts,
    List<UnitRange> failUnits,
    List<UnitRange> permanentFailUnits,
    int outputBytes,
    long seed) {

  static final List<String> KNOWN =
      List.of(
          "unitMillis",
          "jitter",
          "failProbability",
          "failFirstAttempts",
          "failUnits",
          "permanentFailUnits",
          "outputBytes",
          "seed");

  public static SyntheticParams of(Map<String, Object> p) {
    return new SyntheticParams(
        num(p, "unitMillis", 10).longValue(),
        num(p, "jitter", 0).doubleValue(),
        num(p, "failProbability", 0).doubleValue(),
        num(p, "failFirstAttempts", 0).intValue(),
        ranges(p.get("failUnits")),
        ranges(p.get("permanentFailUnits")),
        num(p, "outputBytes", 64).intValue(),
        num(p, "seed", 1).longValue());
  }

  public boolean fails(List<UnitRange> ranges, long unit) {
    for (UnitRange r : ranges) {
      if (r.contains(unit)) {
        return true;
      }
    }
    return false;
  }

  private static Number num(Map<String, Object> p, String key, Number fallback) {
    Object v = p.get(key);
    return v instanceof Number n ? n : fallback;
  }

  private static List<UnitRange> ranges(Object v) {
    if (v == null) {
      return List.of();
    }
    if (v instanceof Number n) {
      return List.of(UnitRange.single(n.longValue()));
    }
    if (v instanceof List<?> l) {
      return Ranges.normalize(
          l.stream().flatMap(x -> Ranges.parse(String.valueOf(x)).stream()).toList());
    }
    return Ranges.normalize(Ranges.parse(String.valueOf(v)));
  }

  /** Checks the parameters of every synthetic stage and step. */
  public static SpecCheck check() {
    return (spec, errors) -> {
      for (int i = 0; i < spec.stages().size(); i++) {
        var st = spec.stages().get(i);
        if (!"synthetic".equals(st.implementation())) {
          continue;
        }
        checkParams(st.params(), "stages[" + i + "].params", errors);
        for (var e : st.steps().entrySet()) {
          checkParams(
              e.getValue().params(), "stages[" + i + "].steps." + e.getKey() + ".params", errors);
        }
      }
    };
  }

  private static void checkParams(Map<String, Object> p, String path, SpecErrors errors) {
    nonNegative(p, "unitMillis", path, errors);
    nonNegative(p, "outputBytes", path, errors);
    nonNegative(p, "failFirstAttempts", path, errors);
    fraction(p, "jitter", path, errors);
    fraction(p, "failProbability", path, errors);
    for (String key : List.of("failUnits", "permanentFailUnits")) {
      Object v = p.get(key);
      if (v != null) {
        try {
          ranges(v);
        } catch (IllegalArgumentException e) {
          errors.add(path + "." + key, e.getMessage() + " (write unit ranges like \"3,10-19\")");
        }
      }
    }
    Object seed = p.get("seed");
    if (seed != null && !(seed instanceof Integer || seed instanceof Long)) {
      errors.add(path + ".seed", "must be an integer");
    }
  }

  private static void nonNegative(
      Map<String, Object> p, String key, String path, SpecErrors errors) {
    Object v = p.get(key);
    if (v != null
        && !(v instanceof Number n
            && n.doubleValue() >= 0
            && n.doubleValue() == Math.floor(n.doubleValue()))) {
      errors.add(path + "." + key, "must be an integer >= 0");
    }
  }

  private static void fraction(Map<String, Object> p, String key, String path, SpecErrors errors) {
    Object v = p.get(key);
    if (v != null && !(v instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() <= 1)) {
      errors.add(path + "." + key, "must be a number from 0 to 1");
    }
  }
}
