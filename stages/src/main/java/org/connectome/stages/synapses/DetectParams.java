package org.connectome.stages.synapses;

import java.util.List;
import java.util.Map;
import org.connectome.stages.precomputed.ParamValues;

/**
 * The parameters of the reference {@code synapses.detect} (besides {@code blockSize} and {@code
 * blockOverlap}, which the planner reads). Grey levels are those of the aligned image; distances
 * are voxels. The defaults are tuned on the demo's rendered aligned image; on sharper images (the
 * simulator's noise-free section images) thin membranes are darker, and {@code cleftMargin} and
 * {@code minContrast} of about 5 fit instead.
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
 * @param cleftMargin a cleft voxel is also at least this much darker (smoothed) than the tile's
 *     thin membranes (the median grey of membrane ridges, see {@link GreyLevels})
 * @param minVoxels fewest cleft voxels of a site
 * @param minContrast a site's median cleft voxel is at least this much darker than the thin
 *     membranes
 * @param mergeDistance cleft pieces whose centroids are this close (px, in plane) and ...
 * @param mergeGap ... whose section ranges are at most this many sections apart are one site (a
 *     cleft cut by a missing tile or a thin section)
 * @param cleftShift the cleft lies this far (px) from the middle of the dark band towards the
 *     vesicles: the post-synaptic density makes the band thicker on the post-synaptic side
 * @param vesicleReach vesicles count for a site up to this far (px) from its cleft, in its sections
 *     +- 1
 * @param vesicleContrast least ring contrast of a vesicle: centre + surround - 2 ring (grey levels)
 * @param vesicleRing least darkness of a vesicle's ring below its surround (grey levels)
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

  /** The defaults, tuned on the simulator's demo sample (8 x 8 x 33 nm voxels). */
  public static DetectParams defaults() {
    return parse(Map.of());
  }

  /**
   * Reads and checks the step's params; a bad value throws {@link IllegalArgumentException} naming
   * it.
   */
  public static DetectParams parse(Map<String, Object> params) {
    ParamValues p = new ParamValues("synapses.detect", params);
    Numbers n = new Numbers(params);
    return new DetectParams(
        p.integer("minValid", 8, 0, 255),
        n.get("smoothing", 1.0, 0.3, 5),
        p.integer("levelTile", 1024, 16, 1 << 20),
        n.get("darkPercentile", 1, 0, 100),
        n.get("brightPercentile", 50, 0, 100),
        n.get("darkFraction", 0.2, 0.01, 0.9),
        n.get("coreRadius", 2.2, 1, 20),
        n.get("cleftMargin", 7.0, -50, 100),
        p.integer("minVoxels", 20, 1, Integer.MAX_VALUE),
        n.get("minContrast", 7.0, -100, 100),
        n.get("mergeDistance", 12, 0, 200),
        p.integer("mergeGap", 2, 0, 50),
        n.get("cleftShift", 1.3, -20, 20),
        n.get("vesicleReach", 30, 0, 200),
        n.get("vesicleContrast", 40, 1, 255),
        n.get("vesicleRing", 10, 0, 255),
        p.vec3("context", new int[] {64, 64, 6}, 0),
        p.string("whenNoSegmentation", "fail", List.of("fail", "ignore")).equals("fail"),
        p.string("index", "step", List.of("last-block", "step")).equals("last-block"),
        p.integer("spatialLimit", 1000, 1, 1_000_000));
  }

  /** Real-valued params, with messages naming the field like {@link ParamValues}. */
  private record Numbers(Map<String, Object> params) {
    double get(String key, double fallback, double min, double max) {
      Object v = params == null ? null : params.get(key);
      if (v == null) {
        return fallback;
      }
      if (!(v instanceof Number num) || !(num.doubleValue() >= min && num.doubleValue() <= max)) {
        throw new IllegalArgumentException(
            "synapses.detect: params."
                + key
                + " must be a number from "
                + min
                + " to "
                + max
                + ", not "
                + v);
      }
      return num.doubleValue();
    }
  }
}
