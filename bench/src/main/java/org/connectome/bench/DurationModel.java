package org.connectome.bench;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A distribution of simulated task-attempt durations in milliseconds, parsed from text:
 *
 * <ul>
 *   <li>{@code 0} or {@code none}: no time at all (the default: the benchmark measures
 *       orchestration only)
 *   <li>{@code fixed:MS} (or just {@code MS})
 *   <li>{@code uniform:MIN:MAX}
 *   <li>{@code lognormal:MEDIAN:SIGMA} (sigma of the underlying normal; 0.5 gives a realistic long
 *       tail)
 * </ul>
 *
 * Durations may be fractional milliseconds; the executor sleeps with nanosecond resolution.
 */
public record DurationModel(String kind, double a, double b) {
  public static DurationModel parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    String[] p = t.split(":");
    try {
      switch (p[0]) {
        case "0", "none", "zero" -> {
          return new DurationModel("none", 0, 0);
        }
        case "fixed" -> {
          return new DurationModel("fixed", Double.parseDouble(p[1]), 0);
        }
        case "uniform" -> {
          return new DurationModel("uniform", Double.parseDouble(p[1]), Double.parseDouble(p[2]));
        }
        case "lognormal" -> {
          return new DurationModel("lognormal", Double.parseDouble(p[1]), Double.parseDouble(p[2]));
        }
        default -> {
          double ms = Double.parseDouble(p[0]);
          return ms == 0 ? new DurationModel("none", 0, 0) : new DurationModel("fixed", ms, 0);
        }
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "bad task duration '"
              + text
              + "': use 0, fixed:MS, uniform:MIN:MAX or lognormal:MEDIAN:SIGMA",
          e);
    }
  }

  public boolean isZero() {
    return kind.equals("none") || (kind.equals("fixed") && a == 0);
  }

  /** One sample, in nanoseconds. */
  public long sampleNanos(SplittableRandom r) {
    double ms =
        switch (kind) {
          case "fixed" -> a;
          case "uniform" -> a + r.nextDouble() * (b - a);
          case "lognormal" -> a * Math.exp(b * gaussian(r));
          default -> 0;
        };
    return (long) Math.max(0, ms * 1e6);
  }

  private static double gaussian(SplittableRandom r) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17
    double u = 1 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case "fixed" -> "fixed " + a + " ms";
      case "uniform" -> "uniform " + a + "-" + b + " ms";
      case "lognormal" -> "lognormal, median " + a + " ms, sigma " + b;
      default -> "none (0 ms)";
    };
  }
}
