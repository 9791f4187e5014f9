package org.connectome.stages.synapses;

import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;

/**
 * The parameters of the reference {@code synapses.detect} (besides {@code blockSize} and {@code
 * blockOverlap}, which the planner reads). Grey levels are those of the aligned image; darkness
 * thresholds ({@code cleftMargin}, {@code minContrast}, {@code vesicleContrast}, {@code
 * vesicleRing}) are fractions of the local contrast, cytoplasm above thin membranes, measured per
 * tile ({@link GreyLevels#contrast}), so no threshold is a grey level of one stain or microscope;
 * distances are voxels. The defaults are tuned on the demo's rendered aligned image (contrast about
 * 113 grey levels); on sharper images (the simulator's noise-free section images) thin membranes
 * are darker, and {@code cleftMargin} and {@code minContrast} of about 0.045 fit instead.
 *
 * @param minValid grey level below which a voxel is "no data" (align.render writes 0 where no
 *     montage is)
 * @param smoothing Gaussian sigma (px) of the in-plane smoothing before thresholds
 * @param levelTile side (voxels) of the tiles of a fixed grid over each section whose grey levels
 *     are measured: {@code dark} (membrane cores) and {@code bright} (cytoplasm), the {@code
 *     darkPercentile} and {@code brightPercentile} of the tile's voxels with data
 * @param darkPercentile see {@code levelTile}
 * @param brightPercentile see {@code levelTile}
 * @param darkFraction the dark mask is {@code smoothed < dark + darkFraction (bright - dark)}
 * @param coreRadius a cleft voxel lies at least this far (px) inside the dark mask: clefts with
 *     their post-synaptic density are a thick dark band, membranes a thin one
 * @param cleftMargin a cleft voxel is also at least this much (of the tile's contrast) darker
 *     (smoothed) than the tile's thin membranes (the median grey of membrane ridges, see {@link
 *     GreyLevels})
 * @param minVoxels fewest cleft voxels of a site
 * @param minContrast a site's median cleft voxel is at least this much (of the contrast) darker
 *     than the thin membranes
 * @param mergeDistance cleft pieces whose centroids are this close (px, in plane) and ...
 * @param mergeGap ... whose section ranges are at most this many sections apart are one site (a
 *     cleft cut by a missing tile or a thin section)
 * @param cleftShift the cleft lies this far (px) from the middle of the dark band towards the
 *     vesicles: the post-synaptic density makes the band thicker on the post-synaptic side
 * @param vesicleReach vesicles count for a site up to this far (px) from its cleft, in its sections
 *     +- 1
 * @param vesicleContrast least ring contrast of a vesicle: centre + surround - 2 ring (of the
 *     tile's contrast)
 * @param vesicleRing least darkness of a vesicle's ring below its surround (of the contrast)
 * @param context least context (voxels, x y z) read around each block, beyond the plan's overlap,
 *     so that a site near a block border is seen whole by both blocks
 * @param requireSegmentation without {@code volumes/segmentation}: fail (true) or detect without
 *     pre/post (false)
 * @param indexAtLastBlock whether the block that completes the step writes the annotation index
 *     (true), or a separate {@code synapses.index} step does (false)
 * @param spatialLimit most annotations per cell of a spatial index level
 */
public record DetectParams(
    int minValid,
    double smoothing,
    int levelTile,
    double darkPercentile,
    double brightPercentile,
    double darkFraction,
    double coreRadius,
    double cleftMargin,
    int minVoxels,
    double minContrast,
    double mergeDistance,
    int mergeGap,
    double cleftShift,
    double vesicleReach,
    double vesicleContrast,
    double vesicleRing,
    int[] context,
    boolean requireSegmentation,
    boolean indexAtLastBlock,
    int spatialLimit) {

  static final Param<Integer> MIN_VALID =
      Param.integer(
          "minValid",
          8,
          0,
          255,
          "Grey level below which a voxel is no data (align.render writes 0 outside the montages).");
  static final Param<Double> SMOOTHING =
      Param.number(
          "smoothing",
          1.0,
          0.3,
          5,
          "Gaussian sigma of the in-plane smoothing before thresholds, px.");
  static final Param<Integer> LEVEL_TILE =
      Param.integer(
          "levelTile",
          1024,
          16,
          1 << 20,
          "Side of the tiles whose grey levels (dark, bright) are measured, voxels.");
  static final Param<Double> DARK_PERCENTILE =
      Param.number(
          "darkPercentile",
          1.0,
          0,
          100,
          "Percentile of a tile's voxels that is its dark level (membrane cores).");
  static final Param<Double> BRIGHT_PERCENTILE =
      Param.number(
          "brightPercentile",
          50.0,
          0,
          100,
          "Percentile of a tile's voxels that is its bright level (cytoplasm).");
  static final Param<Double> DARK_FRACTION =
      Param.number(
          "darkFraction",
          0.2,
          0.01,
          0.9,
          "The dark mask is smoothed < dark + darkFraction (bright - dark).");
  static final Param<Double> CORE_RADIUS =
      Param.number(
          "coreRadius",
          2.2,
          1,
          20,
          "A cleft voxel lies at least this far inside the dark mask, px.");
  static final Param<Double> CLEFT_MARGIN =
      Param.number(
          "cleftMargin",
          0.06,
          -0.5,
          1,
          "A cleft voxel is at least this much darker than the tile's thin membranes, as a fraction"
              + " of the tile's contrast (cytoplasm above thin membranes).");
  static final Param<Integer> MIN_VOXELS =
      Param.integer("minVoxels", 20, 1, Integer.MAX_VALUE, "Fewest cleft voxels of a site.");
  static final Param<Double> MIN_CONTRAST =
      Param.number(
          "minContrast",
          0.07,
          -1,
          1,
          "A site's median cleft voxel is at least this much darker than the thin membranes, as a"
              + " fraction of the contrast.");
  static final Param<Double> MERGE_DISTANCE =
      Param.number(
          "mergeDistance",
          12.0,
          0,
          200,
          "Cleft pieces whose centroids are this close (px, in plane) ...");
  static final Param<Integer> MERGE_GAP =
      Param.integer("mergeGap", 2, 0, 50, "... and at most this many sections apart are one site.");
  static final Param<Double> CLEFT_SHIFT =
      Param.number(
          "cleftShift",
          1.3,
          -20,
          20,
          "The cleft lies this far from the middle of the dark band towards the vesicles, px.");
  static final Param<Double> VESICLE_REACH =
      Param.number(
          "vesicleReach",
          30.0,
          0,
          200,
          "Vesicles count for a site up to this far from its cleft, px.");
  static final Param<Double> VESICLE_CONTRAST =
      Param.number(
          "vesicleContrast",
          0.35,
          0.01,
          3,
          "Least ring contrast of a vesicle (centre + surround - 2 ring), as a fraction of the"
              + " contrast.");
  static final Param<Double> VESICLE_RING =
      Param.number(
          "vesicleRing",
          0.09,
          0,
          2,
          "Least darkness of a vesicle's ring below its surround, as a fraction of the contrast.");
  static final Param<int[]> CONTEXT =
      Param.int3(
          "context",
          new int[] {64, 64, 6},
          0,
          "Least context read around each block beyond the plan's overlap, voxels (x, y, z).");
  static final Param<String> WHEN_NO_SEGMENTATION =
      Param.choice(
          "whenNoSegmentation",
          "fail",
          List.of("fail", "ignore"),
          "Without volumes/segmentation: fail, or detect without pre/post segments.");
  static final Param<String> INDEX =
      Param.choice(
          "index",
          "step",
          List.of("last-block", "step"),
          "Who writes the annotation index: the synapses.index step, or the block that completes"
              + " detect.");
  static final Param<Integer> SPATIAL_LIMIT =
      Param.integer(
          "spatialLimit",
          1000,
          1,
          1_000_000,
          "Most annotations per cell of a spatial index level.");

  /** Every parameter of the reference {@code synapses.detect} and {@code synapses.index}. */
  public static final List<Param<?>> PARAMS =
      List.of(
          MIN_VALID,
          SMOOTHING,
          LEVEL_TILE,
          DARK_PERCENTILE,
          BRIGHT_PERCENTILE,
          DARK_FRACTION,
          CORE_RADIUS,
          CLEFT_MARGIN,
          MIN_VOXELS,
          MIN_CONTRAST,
          MERGE_DISTANCE,
          MERGE_GAP,
          CLEFT_SHIFT,
          VESICLE_REACH,
          VESICLE_CONTRAST,
          VESICLE_RING,
          CONTEXT,
          WHEN_NO_SEGMENTATION,
          INDEX,
          SPATIAL_LIMIT);

  /** The defaults, tuned on the simulator's demo sample (8 x 8 x 33 nm voxels). */
  public static DetectParams defaults() {
    return parse(Map.of());
  }

  /**
   * Reads and checks the step's params; a bad value throws {@link IllegalArgumentException} naming
   * it.
   */
  public static DetectParams parse(Map<String, Object> p) {
    String step = "synapses.detect";
    return new DetectParams(
        MIN_VALID.read(step, p),
        SMOOTHING.read(step, p),
        LEVEL_TILE.read(step, p),
        DARK_PERCENTILE.read(step, p),
        BRIGHT_PERCENTILE.read(step, p),
        DARK_FRACTION.read(step, p),
        CORE_RADIUS.read(step, p),
        CLEFT_MARGIN.read(step, p),
        MIN_VOXELS.read(step, p),
        MIN_CONTRAST.read(step, p),
        MERGE_DISTANCE.read(step, p),
        MERGE_GAP.read(step, p),
        CLEFT_SHIFT.read(step, p),
        VESICLE_REACH.read(step, p),
        VESICLE_CONTRAST.read(step, p),
        VESICLE_RING.read(step, p),
        CONTEXT.read(step, p),
        WHEN_NO_SEGMENTATION.read(step, p).equals("fail"),
        INDEX.read(step, p).equals("last-block"),
        SPATIAL_LIMIT.read(step, p));
  }
}
