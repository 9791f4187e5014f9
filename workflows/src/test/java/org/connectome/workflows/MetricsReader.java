package org.connectome.workflows;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Map;

/** Sums the data points of a metric whose labels include the given ones. */
final class MetricsReader {
  private MetricsReader() {}

  static double value(PrometheusRegistry registry, String name, Map<String, String> labels) {
    double sum = 0;
    for (MetricSnapshot s : registry.scrape()) {
      if (!s.getMetadata().getPrometheusName().equals(name.replaceAll("_total$", ""))) {
        continue;
      }
      for (DataPointSnapshot p : s.getDataPoints()) {
        if (matches(p.getLabels(), labels)) {
          if (p instanceof CounterSnapshot.CounterDataPointSnapshot c) {
            sum += c.getValue();
          } else if (p instanceof GaugeSnapshot.GaugeDataPointSnapshot g) {
            sum += g.getValue();
          }
        }
      }
    }
    return sum;
  }

  private static boolean matches(Labels have, Map<String, String> want) {
    for (Map.Entry<String, String> e : want.entrySet()) {
      if (!e.getValue().equals(have.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
