package org.connectome.ingest;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

final class MetricsValue {
  private MetricsValue() {}

  /** The sum of a counter's values for a sample. */
  static double of(PrometheusRegistry registry, String name, String sample) {
    double sum = 0;
    for (MetricSnapshot s : registry.scrape()) {
      if (s.getMetadata().getName().equals(name) && s instanceof CounterSnapshot c) {
        for (var p : c.getDataPoints()) {
          if (sample.equals(p.getLabels().get("sample"))) {
            sum += p.getValue();
          }
        }
      }
    }
    return sum;
  }
}
