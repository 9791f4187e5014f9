package org.connectome.stages.report;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Scores one stage of a run for {@code connectome report}: quality figures from the stage's
 * outputs, against the ground truth when the context has one. Built-in scorers cover stitching,
 * alignment and compression; others (segmentation, synapses, ...) plug in through {@link
 * java.util.ServiceLoader}: a {@code META-INF/services/org.connectome.stages.report.StageScorer}
 * file naming the implementation.
 */
public interface StageScorer {
  /** The stage scored: ingest, stitch, align, segment, synapses, compress or mesh. */
  String stage();

  /**
   * The stage's figures (JSON-friendly: maps, lists, numbers, strings), empty when the run has
   * nothing of this stage to score. By convention a {@code summary} entry (String) is the one line
   * the report prints, and a {@code groundTruth} entry holds the figures against the ground truth.
   */
  Optional<Map<String, Object>> score(ReportContext context) throws IOException;
}
