package org.connectome.stages.segment;

import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;

/**
 * Parameters of the reference inference ({@code segment.inference}, implementation {@code
 * reference}); the planner reads {@code subvolumeSize} and {@code subvolumeOverlap} itself. See
 * {@link FloodFillSegmenter}.
 *
 * @param smoothingSigma Gaussian smoothing of each section before thresholding, px (default 1; 0 =
 *     none)
 * @param membraneThreshold grey level below which a smoothed voxel is membrane (default 110;
 *     cytoplasm is about 150 to 200 and membranes about 50 in the simulated demo)
 * @param seedDistance least distance to a membrane of a seed voxel, px (default 4)
 * @param minSeedArea least voxels of a seed area in a section (default 10)
 * @param organelleArea dark blobs smaller than this (voxels in a section) and not part of the
 *     membrane network are organelles inside a cell, not membrane (default 400)
 * @param linkOverlap least intersection over union of two segments of consecutive sections that
 *     links them into one object (default 0.5), counted where both sections are imaged
 * @param linkContained or: least share of the smaller segment inside the larger (default 0.9) ...
 * @param linkMinShare ... when the overlap is also at least this share of the larger one (default
 *     0.1)
 * @param gapLinkOverlap least intersection over union of segments of sections {@code z} and {@code
 *     z + 2}, counted where section {@code z + 1} was not imaged (a missing tile), default 0.6
 * @param gapMinOverlap and least overlap in voxels of such a link (default 300)
 */
public record SegmentParams(
    double smoothingSigma,
    int membraneThreshold,
    double seedDistance,
    int minSeedArea,
    int organelleArea,
    double linkOverlap,
    double linkContained,
    double linkMinShare,
    double gapLinkOverlap,
    int gapMinOverlap) {

  static final Param<Double> SMOOTHING_SIGMA =
      Param.number(
          "smoothingSigma",
          1.0,
          0,
          10,
          "Gaussian smoothing of each section before thresholding, px (0: none).");
  static final Param<Integer> MEMBRANE_THRESHOLD =
      Param.integer(
          "membraneThreshold", 110, 1, 255, "Grey level below which a smoothed voxel is membrane.");

  /** Which segmenter runs: the trained network (the default) or the earlier flood fill. */
  static final Param<String> METHOD =
      Param.choice(
          "method",
          "affinity",
          List.of("affinity", "flood-fill"),
          "The segmenter: affinity (the trained network: fragments by watershed, agglomerated by"
              + " mean affinity) or flood-fill (the hand-tuned seeded flood fill).");

  // both segmenters read these two, with defaults of their own
  static final Param<Double> SEED_DISTANCE =
      Param.number(
          "seedDistance",
          null,
          0.5,
          1000,
          "Least distance of a seed voxel to a membrane (flood-fill, default 4) or a boundary"
              + " (affinity, default 1.5), px.");
  static final Param<Integer> MIN_SEED_AREA =
      Param.integer(
          "minSeedArea",
          null,
          1,
          Integer.MAX_VALUE,
          "Least voxels of a seed area in a section (flood-fill, default 10; affinity, default 3).");
  static final Param<Integer> ORGANELLE_AREA =
      Param.integer(
          "organelleArea",
          400,
          0,
          Integer.MAX_VALUE,
          "Dark blobs smaller than this (voxels in a section), apart from the membrane network,"
              + " are organelles inside a cell.");
  static final Param<Double> LINK_OVERLAP =
      Param.number(
          "linkOverlap",
          0.5,
          0.01,
          1,
          "Least intersection over union of segments of consecutive sections that links them.");
  static final Param<Double> LINK_CONTAINED =
      Param.number(
          "linkContained",
          0.9,
          0.01,
          1,
          "Or: least share of the smaller segment inside the larger one ...");
  static final Param<Double> LINK_MIN_SHARE =
      Param.number(
          "linkMinShare",
          0.1,
          0,
          1,
          "... when the overlap is also at least this share of the larger one.");
  static final Param<Double> GAP_LINK_OVERLAP =
      Param.number(
          "gapLinkOverlap",
          0.6,
          0.01,
          1,
          "Least intersection over union of segments of sections z and z + 2 where section z + 1"
              + " was not imaged.");
  static final Param<Integer> GAP_MIN_OVERLAP =
      Param.integer(
          "gapMinOverlap",
          300,
          1,
          Integer.MAX_VALUE,
          "Least overlap in voxels of such a link across a gap.");

  /** Every parameter of the reference {@code segment.inference}, of both segmenters. */
  public static final List<Param<?>> PARAMS =
      List.of(
          METHOD,
          SMOOTHING_SIGMA,
          MEMBRANE_THRESHOLD,
          SEED_DISTANCE,
          MIN_SEED_AREA,
          ORGANELLE_AREA,
          LINK_OVERLAP,
          LINK_CONTAINED,
          LINK_MIN_SHARE,
          GAP_LINK_OVERLAP,
          GAP_MIN_OVERLAP,
          AffinityParams.MODEL,
          AffinityParams.THREADS,
          AffinityParams.USE_GPU,
          AffinityParams.BOUNDARY_THRESHOLD,
          AffinityParams.MERGE_THRESHOLD,
          AffinityParams.VIEWS,
          AffinityParams.DOWNSAMPLE,
          AffinityParams.SURE_MEMBRANE,
          AffinityParams.MIN_SIZE);

  public static final SegmentParams DEFAULTS = of("segment.inference", Map.of());

  /** Reads and checks the parameters; {@link IllegalArgumentException} names the bad one. */
  public static SegmentParams of(String step, Map<String, Object> params) {
    Map<String, Object> m = params == null ? Map.of() : params;
    return new SegmentParams(
        SMOOTHING_SIGMA.read(step, m),
        MEMBRANE_THRESHOLD.read(step, m),
        orDefault(SEED_DISTANCE.read(step, m), 4.0),
        orDefault(MIN_SEED_AREA.read(step, m), 10),
        ORGANELLE_AREA.read(step, m),
        LINK_OVERLAP.read(step, m),
        LINK_CONTAINED.read(step, m),
        LINK_MIN_SHARE.read(step, m),
        GAP_LINK_OVERLAP.read(step, m),
        GAP_MIN_OVERLAP.read(step, m));
  }

  static <T> T orDefault(T value, T fallback) {
    return value == null ? fallback : value;
  }
}
