package org.connectome.stages.segment;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;
import org.connectome.spec.VoxelSize;

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
 * @param views the orientations the network reads the volume in (default: {@link Views#THREE} for
 *     isotropic voxels, {@link Views#SECTIONS} otherwise)
 * @param downsample the factor by which sections are shrunk before the network reads them ({@link
 *     Resampling}; default: the model's pixel size over the spec's, rounded, at least 1)
 * @param sureMembrane two fragments of one section whose border's mean affinity is under this never
 *     join (default 0.1 for serial sections, 0 = off for isotropic voxels)
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
    int gapMinOverlap,
    Views views,
    int downsample,
    double sureMembrane) {

  /** The orientations the network reads a subvolume in. */
  public enum Views {
    /** The sections alone (xy planes): serial sections, whose z is much coarser than x and y. */
    SECTIONS,
    /**
     * For isotropic voxels: the sections and the volume's two other orientations (xz and yz
     * planes), the boundaries of the three averaged ({@link ThreeViews}), and fragments cut in 3D
     * ({@link VolumeFragments}) rather than per section.
     */
    THREE
  }

  public static final AffinityParams DEFAULTS =
      new AffinityParams(null, 1, false, 0.5, 1.5, 3, 0.5, 60, 0.6, 300, Views.SECTIONS, 1, 0.1);

  /** Pixel size the shipped model was trained at ({@code model.json}'s {@code pixelSizeNm}), nm. */
  public static final double MODEL_PIXEL_NM = 8;

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

  static final Param<String> VIEWS =
      Param.choice(
          "views",
          "auto",
          List.of("auto", "sections", "three"),
          "The orientations the network reads the volume in: sections (xy planes only, fragments"
              + " per section), three (also the xz and yz planes, three times the prediction, and"
              + " fragments in 3D: for isotropic voxels) or auto (three when the section thickness"
              + " is at most 1.5 times the pixel size) (affinity).");

  static final Param<Double> SURE_MEMBRANE =
      Param.number(
          "sureMembrane",
          null,
          0,
          1,
          "Two fragments of one section whose shared border's mean affinity is under this are"
              + " parted by a sure membrane and never join, not even through other sections: by"
              + " default 0.1 for serial sections, 0 (off) for isotropic voxels, whose sections"
              + " graze membranes too often for any to be sure (affinity).");

  static final Param<Integer> DOWNSAMPLE =
      Param.integer(
          "downsample",
          null,
          1,
          16,
          "Factor by which sections are shrunk (mean of f x f pixels; of f x f x f voxels in three"
              + " views) before the network reads them, its prediction scaled back to every voxel:"
              + " by default the pixel size the model was trained at (8 nm) over the spec's,"
              + " rounded (2 for 4 nm pixels), 1 without a voxel size (affinity).");

  /**
   * Reads and checks the parameters without a voxel size (the defaults of serial sections at the
   * model's pixel size: sections, no downsampling, sure membranes); {@link
   * IllegalArgumentException} names the bad one.
   */
  public static AffinityParams of(String step, Map<String, Object> params) {
    return of(step, params, null);
  }

  /**
   * Reads and checks the parameters; {@code views}, {@code downsample} and {@code sureMembrane}
   * default by {@code voxelSize} (as without one when it is null).
   */
  public static AffinityParams of(String step, Map<String, Object> params, VoxelSize voxelSize) {
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
        SegmentParams.GAP_MIN_OVERLAP.read(step, m),
        views(VIEWS.read(step, m), voxelSize),
        downsample(DOWNSAMPLE.read(step, m), voxelSize),
        sureMembrane(SURE_MEMBRANE.read(step, m), voxelSize));
  }

  static double sureMembrane(Double given, VoxelSize voxelSize) {
    if (given != null) {
      return given;
    }
    return voxelSize != null && voxelSize.isotropic() ? 0 : DEFAULTS.sureMembrane();
  }

  static int downsample(Integer given, VoxelSize voxelSize) {
    if (given != null) {
      return given;
    }
    if (voxelSize == null) {
      return 1;
    }
    return (int) Math.max(1, Math.round(MODEL_PIXEL_NM / Math.max(voxelSize.x(), voxelSize.y())));
  }

  static Views views(String choice, VoxelSize voxelSize) {
    return switch (choice) {
      case "sections" -> Views.SECTIONS;
      case "three" -> Views.THREE;
      default -> voxelSize != null && voxelSize.isotropic() ? Views.THREE : Views.SECTIONS;
    };
  }
}
