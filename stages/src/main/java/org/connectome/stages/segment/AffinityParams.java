package org.connectome.stages.segment;

import java.nio.file.Path;
import java.util.Map;

/**
 * Parameters of the reference inference with the trained network ({@code segment.inference},
 * implementation {@code reference}, {@code params.method: affinity}, the default). See {@link
 * AffinitySegmenter}.
 *
 * @param model the ONNX model file, or null for the shipped one
 * @param threads ONNX Runtime threads of one task (default 1: tasks run side by side)
 * @param useGpu try CUDA first (default false)
 * @param boundaryThreshold boundary probability from which a pixel is boundary (default 0.5)
 * @param seedDistance least distance of a fragment seed to a boundary pixel, px (default 1.5)
 * @param minSeedArea least pixels of a seed area (default 3)
 * @param mergeThreshold fragments are agglomerated while the mean affinity of the best pair is at
 *     least this (default 0.5)
 * @param minSize objects smaller than this (voxels) join the neighbour they share the highest mean
 *     affinity with, if any (default 60)
 * @param gapLinkOverlap least intersection over union of objects of sections {@code z} and {@code z
 *     + 2} where section {@code z + 1} was not imaged (a missing tile), default 0.6
 * @param gapMinOverlap and least overlap in voxels of such a link (default 300)
 */
public record AffinityParams(
    Path model,
    int threads,
    boolean useGpu,
    double boundaryThreshold,
    double seedDistance,
    int minSeedArea,
    double mergeThreshold,
    int minSize,
    double gapLinkOverlap,
    int gapMinOverlap) {

  public static final AffinityParams DEFAULTS =
      new AffinityParams(null, 1, false, 0.5, 1.5, 3, 0.5, 60, 0.6, 300);

  /** Reads and checks the parameters; {@link IllegalArgumentException} names the bad one. */
  public static AffinityParams of(String step, Map<String, Object> params) {
    Map<String, Object> m = params == null ? Map.of() : params;
    AffinityParams d = DEFAULTS;
    Object model = m.get("model");
    if (model != null && !(model instanceof String s && !s.isBlank())) {
      throw new IllegalArgumentException(step + ": params.model must be a file path, not " + model);
    }
    Object gpu = m.get("useGpu");
    if (gpu != null && !(gpu instanceof Boolean)) {
      throw new IllegalArgumentException(
          step + ": params.useGpu must be true or false, not " + gpu);
    }
    return new AffinityParams(
        model == null ? null : Path.of((String) model),
        (int) SegmentParams.integer(step, m, "threads", d.threads(), 1, 256),
        gpu != null && (Boolean) gpu,
        SegmentParams.number(step, m, "boundaryThreshold", d.boundaryThreshold(), 0.01, 0.99),
        SegmentParams.number(step, m, "seedDistance", d.seedDistance(), 0.5, 1000),
        (int) SegmentParams.integer(step, m, "minSeedArea", d.minSeedArea(), 1, Integer.MAX_VALUE),
        SegmentParams.number(step, m, "mergeThreshold", d.mergeThreshold(), 0, 1),
        (int) SegmentParams.integer(step, m, "minSize", d.minSize(), 0, Integer.MAX_VALUE),
        SegmentParams.number(step, m, "gapLinkOverlap", d.gapLinkOverlap(), 0.01, 1),
        (int)
            SegmentParams.integer(
                step, m, "gapMinOverlap", d.gapMinOverlap(), 1, Integer.MAX_VALUE));
  }
}
