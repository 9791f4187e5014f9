package org.connectome.ingest;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Ingest's own metrics: tiles ingested and quarantined (by reason) and bytes. Sections pending are
 * the ingest step's pending units: {@code connectome_step_units{stage="ingest",state="pending"}}.
 */
public final class IngestMetrics {
  private final Counter tiles;
  private final Counter quarantined;
  private final Counter bytes;

  public IngestMetrics(PrometheusRegistry registry) {
    tiles =
        Counter.builder()
            .name("connectome_ingest_tiles_total")
            .help("Tiles written to the tile manifest")
            .labelNames("sample")
            .register(registry);
    quarantined =
        Counter.builder()
            .name("connectome_ingest_quarantined_tiles_total")
            .help(
                "Tiles quarantined by ingest, by reason (missing, truncated, unreadable, ...; superseded re-imaged "
                    + "tiles count here too, under reason superseded)")
            .labelNames("sample", "reason")
            .register(registry);
    bytes =
        Counter.builder()
            .name("connectome_ingest_bytes_total")
            .help("Bytes of ingested tiles")
            .labelNames("sample")
            .register(registry);
  }

  /**
   * Makes a sample's series visible at zero before its first tile, so rates and increases count
   * from it.
   */
  void initSample(String sample) {
    tiles.labelValues(sample);
    bytes.labelValues(sample);
    for (BadTileReason r : BadTileReason.values()) {
      quarantined.labelValues(sample, r.code());
    }
  }

  void tilesIngested(String sample, long n, long b) {
    tiles.labelValues(sample).inc(n);
    bytes.labelValues(sample).inc(b);
  }

  void tileQuarantined(String sample, BadTileReason reason) {
    quarantined.labelValues(sample, reason.code()).inc();
  }
}
