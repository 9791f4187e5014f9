package org.connectome.stages.segment;

import java.util.Map;

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

  public static final SegmentParams DEFAULTS =
      new SegmentParams(1.0, 110, 4.0, 10, 400, 0.5, 0.9, 0.1, 0.6, 300);

  /** Reads and checks the parameters; {@link IllegalArgumentException} names the bad one. */
  public static SegmentParams of(String step, Map<String, Object> params) {
    Map<String, Object> m = params == null ? Map.of() : params;
    SegmentParams d = DEFAULTS;
    return new SegmentParams(
        number(step, m, "smoothingSigma", d.smoothingSigma(), 0, 10),
        (int) integer(step, m, "membraneThreshold", d.membraneThreshold(), 1, 255),
        number(step, m, "seedDistance", d.seedDistance(), 0.5, 1000),
        (int) integer(step, m, "minSeedArea", d.minSeedArea(), 1, Integer.MAX_VALUE),
        (int) integer(step, m, "organelleArea", d.organelleArea(), 0, Integer.MAX_VALUE),
        number(step, m, "linkOverlap", d.linkOverlap(), 0.01, 1),
        number(step, m, "linkContained", d.linkContained(), 0.01, 1),
        number(step, m, "linkMinShare", d.linkMinShare(), 0, 1),
        number(step, m, "gapLinkOverlap", d.gapLinkOverlap(), 0.01, 1),
        (int) integer(step, m, "gapMinOverlap", d.gapMinOverlap(), 1, Integer.MAX_VALUE));
  }

  static double number(
      String step, Map<String, Object> m, String key, double fallback, double min, double max) {
    Object v = m.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
      throw new IllegalArgumentException(
          step + ": params." + key + " must be a number from " + min + " to " + max + ", not " + v);
    }
    return n.doubleValue();
  }

  static long integer(
      String step, Map<String, Object> m, String key, long fallback, long min, long max) {
    Object v = m.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.longValue() < min
        || n.longValue() > max) {
      throw new IllegalArgumentException(
          step
              + ": params."
              + key
              + " must be an integer from "
              + min
              + " to "
              + (max == Integer.MAX_VALUE ? "2^31-1" : max)
              + ", not "
              + v);
    }
    return n.longValue();
  }
}
