package org.connectome.stages.segment;

import java.nio.file.Path;
import java.util.Map;
import org.connectome.spec.Param;

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

  static final Param<String> MODEL =
      Param.path("model", "The ONNX model file (default: the shipped, trained one).");
  static final Param<Integer> THREADS =
      Param.integer(
          "threads", 1, 1, 256, "ONNX Runtime threads of one task (tasks run side by side).");
  static final Param<Boolean> USE_GPU =
      Param.flag("useGpu", false, "Try CUDA first (falls back to the CPU).");
  static final Param<Double> BOUNDARY_THRESHOLD =
      Param.number(
          "boundaryThreshold",
          0.5,
          0.01,
          0.99,
          "Boundary probability from which a pixel is boundary (affinity).");
  static final Param<Double> MERGE_THRESHOLD =
      Param.number(
          "mergeThreshold",
          0.25,
          0,
          1,
          "Fragments are agglomerated while the best pair's mean affinity is at least this"
              + " (affinity).");
  static final Param<Integer> MIN_SIZE =
      Param.integer(
          "minSize",
          60,
          0,
          Integer.MAX_VALUE,
          "Objects smaller than this (voxels) join the neighbour they share the highest mean"
              + " affinity with (affinity).");

  /** Reads and checks the parameters; {@link IllegalArgumentException} names the bad one. */
  public static AffinityParams of(String step, Map<String, Object> params) {
    Map<String, Object> m = params == null ? Map.of() : params;
    AffinityParams d = DEFAULTS;
    String model = MODEL.read(step, m);
    return new AffinityParams(
        model == null ? null : Path.of(model),
        THREADS.read(step, m),
        USE_GPU.read(step, m),
        BOUNDARY_THRESHOLD.read(step, m),
        SegmentParams.orDefault(SegmentParams.SEED_DISTANCE.read(step, m), d.seedDistance()),
        SegmentParams.orDefault(SegmentParams.MIN_SEED_AREA.read(step, m), d.minSeedArea()),
        MERGE_THRESHOLD.read(step, m),
        MIN_SIZE.read(step, m),
        SegmentParams.GAP_LINK_OVERLAP.read(step, m),
        SegmentParams.GAP_MIN_OVERLAP.read(step, m));
  }
}
