package org.connectome.stages.stitch;

import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;

/** The parameters of the reference {@code stitch.stitch}, declared once and read from here. */
public final class StitchParams {
  private static final PairRegistration.Params PAIR = PairRegistration.Params.DEFAULT;
  private static final PositionSolver.Params SOLVER = PositionSolver.Params.DEFAULT;
  private static final SectionStitcher.Params QC = SectionStitcher.Params.DEFAULT;

  static final Param<Double> SEARCH_RADIUS =
      Param.number(
          "searchRadiusPx",
          PAIR.searchRadiusPx(),
          0,
          1e6,
          "Largest difference between a tile pair's true and nominal offset, px.");
  static final Param<Double> MIN_NCC =
      Param.number("minNcc", PAIR.minNcc(), -1, 1, "Least NCC of an accepted tile pair.");
  static final Param<Double> MIN_OVERLAP =
      Param.number(
          "minOverlapPx",
          PAIR.minOverlapPx(),
          0,
          1e12,
          "Least overlap area of a tile pair at the found offset, px.");
  static final Param<Double> MIN_STD =
      Param.number(
          "minStd",
          PAIR.minStd(),
          0,
          255,
          "Least standard deviation of grey values in a pair's overlap (texture to register).");
  static final Param<Integer> CANDIDATES =
      Param.integer(
          "candidates", PAIR.candidates(), 1, 1000, "Phase correlation peaks checked by NCC.");
  static final Param<Double> TAPER =
      Param.number(
          "taperPx", PAIR.taperPx(), 0, 1e6, "Raised-cosine taper at the patch borders, px.");
  static final Param<Double> OUTLIER_PX =
      Param.number(
          "outlierPx",
          SOLVER.outlierPx(),
          0,
          true,
          1e6,
          "Floor of the threshold above which a pair's residual makes it an outlier, px.");
  static final Param<Double> OUTLIER_K =
      Param.number(
          "outlierK",
          SOLVER.k(),
          0,
          true,
          1000,
          "Outlier threshold as a multiple of the residuals' robust sigma.");
  static final Param<Double> MAX_RESIDUAL =
      Param.number(
          "maxResidualPx",
          QC.maxResidualPx(),
          0,
          true,
          1e6,
          "QC gate: largest allowed residual statistic (qcStatistic) of the kept pairs, px; a"
              + " section above it fails for good.");
  static final Param<String> QC_STATISTIC =
      Param.choice(
          "qcStatistic",
          QC.qcStatistic(),
          List.of("max", "p95"),
          "Which residual statistic the QC gate checks.");
  static final Param<Integer> MAX_UNPLACED =
      Param.integer(
          "maxUnplacedTiles",
          QC.maxUnplacedTiles(),
          0,
          Integer.MAX_VALUE,
          "QC gate: tiles allowed to be unplaced or placed by fewer than minPairsPerTile pairs.");
  static final Param<Integer> MIN_PAIRS_PER_TILE =
      Param.integer(
          "minPairsPerTile",
          QC.minPairsPerTile(),
          0,
          1000,
          "Kept pairs a tile needs to count as placed.");
  static final Param<Boolean> EQUALIZE =
      Param.flag("equalize", QC.equalize(), "Even out tile brightness (gain and offset per tile).");
  static final Param<Double> FEATHER =
      Param.number("featherPx", 16.0, 0, 1e6, "Width of the blend between overlapping tiles, px.");

  static final Param<Integer> TILE_CACHE_MB =
      Param.integer(
          "tileCacheMb",
          128,
          1,
          1 << 20,
          "Tile pixels a stitch task keeps in memory, MiB (tiles are read again when evicted).");
  static final Param<Integer> RENDER_BLOCK_PX =
      Param.integer(
          "renderBlockPx",
          2048,
          16,
          16384,
          "Side of the blocks the montage is rendered in, px (9 bytes of memory per pixel).");

  /** Every parameter of {@code stitch.stitch}. */
  public static final List<Param<?>> PARAMS =
      List.of(
          SEARCH_RADIUS,
          MIN_NCC,
          MIN_OVERLAP,
          MIN_STD,
          CANDIDATES,
          TAPER,
          OUTLIER_PX,
          OUTLIER_K,
          MAX_RESIDUAL,
          QC_STATISTIC,
          MAX_UNPLACED,
          MIN_PAIRS_PER_TILE,
          EQUALIZE,
          FEATHER,
          TILE_CACHE_MB,
          RENDER_BLOCK_PX);

  private StitchParams() {}

  /** The stitcher's settings; {@link IllegalArgumentException} names a bad parameter. */
  static SectionStitcher.Params stitcher(Map<String, Object> p) {
    String step = "stitch.stitch";
    return new SectionStitcher.Params(
        new PairRegistration.Params(
            SEARCH_RADIUS.read(step, p),
            MIN_NCC.read(step, p),
            MIN_OVERLAP.read(step, p),
            MIN_STD.read(step, p),
            CANDIDATES.read(step, p),
            TAPER.read(step, p)),
        new PositionSolver.Params(
            OUTLIER_PX.read(step, p), OUTLIER_K.read(step, p), SOLVER.maxRounds()),
        MAX_RESIDUAL.read(step, p),
        QC_STATISTIC.read(step, p),
        MAX_UNPLACED.read(step, p),
        MIN_PAIRS_PER_TILE.read(step, p),
        EQUALIZE.read(step, p));
  }

  static double featherPx(Map<String, Object> p) {
    return FEATHER.read("stitch.stitch", p);
  }

  static long tileCacheMb(Map<String, Object> p) {
    return TILE_CACHE_MB.read("stitch.stitch", p);
  }

  static int renderBlockPx(Map<String, Object> p) {
    return RENDER_BLOCK_PX.read("stitch.stitch", p);
  }
}
