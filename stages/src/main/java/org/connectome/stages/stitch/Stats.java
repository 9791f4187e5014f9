package org.connectome.stages.stitch;

import java.util.Arrays;

/** Order statistics for QC figures and robust thresholds. */
public final class Stats {
  private Stats() {}

  /** The q-quantile (0..1) by linear interpolation; NaN for no values. */
  public static double quantile(double[] values, double q) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] s = values.clone();
    Arrays.sort(s);
    double pos = q * (s.length - 1);
    int i = (int) Math.floor(pos);
    int j = Math.min(s.length - 1, i + 1);
    return s[i] + (s[j] - s[i]) * (pos - i);
  }

  public static double median(double[] values) {
    return quantile(values, 0.5);
  }

  public static double max(double[] values) {
    return values.length == 0 ? Double.NaN : Arrays.stream(values).max().getAsDouble();
  }

  /** Median absolute deviation from the median, scaled by 1.4826 to estimate a Gaussian's sigma. */
  public static double madSigma(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double m = median(values);
    double[] d = new double[values.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = Math.abs(values[i] - m);
    }
    return 1.4826 * median(d);
  }

  /** Rounds for JSON and messages: 3 decimals. */
  public static double r3(double v) {
    return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : v;
  }
}
