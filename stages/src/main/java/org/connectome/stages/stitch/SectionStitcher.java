package org.connectome.stages.stitch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.connectome.imaging.Image8;

/**
 * Stitches one section: finds the tile pairs that overlap at their nominal stage positions (within
 * and between mFoVs), registers each pair ({@link PairRegistration}), solves all tile positions by
 * least squares with outlier rejection ({@link PositionSolver}), evens out tile brightness from the
 * overlaps, and checks the result against the QC limits.
 */
public final class SectionStitcher {
  /**
   * A tile to place.
   *
   * @param mfov mFoV
   * @param beam beam
   * @param path the tile file
   * @param stageX nominal top-left x, stage pixels
   * @param stageY nominal top-left y, stage pixels
   * @param width its width, px
   * @param height its height, px
   */
  public record Tile(
      int mfov, int beam, String path, double stageX, double stageY, int width, int height) {}

  /**
   * Float copies of the parts of two tiles that registering them reads: their overlap with b's
   * top-left at {@code (dx, dy)} in a's pixels, widened by a margin (clipped to each tile).
   *
   * @param a the window of a
   * @param b the window of b
   * @param shiftX what to add to an offset of b relative to a to get the offset of window b
   *     relative to window a
   * @param shiftY the same in y
   */
  record Overlap(FloatImage a, FloatImage b, int shiftX, int shiftY) {
    /**
     * The windows, or null when the overlap widened by {@code margin} is empty. Offsets of b within
     * {@code margin} px of {@code (dx, dy)} see the same overlap, pixel for pixel, in the windows
     * as in the whole tiles: the bounds of two rectangles' intersection move by at most the shift.
     */
    static Overlap of(Image8 a, Image8 b, int dx, int dy, int margin) {
      int ox0 = Math.max(0, dx);
      int ox1 = Math.min(a.width(), dx + b.width());
      int oy0 = Math.max(0, dy);
      int oy1 = Math.min(a.height(), dy + b.height());
      int ax0 = Math.max(0, ox0 - margin);
      int ax1 = Math.min(a.width(), ox1 + margin);
      int ay0 = Math.max(0, oy0 - margin);
      int ay1 = Math.min(a.height(), oy1 + margin);
      int bx0 = Math.max(0, ox0 - dx - margin);
      int bx1 = Math.min(b.width(), ox1 - dx + margin);
      int by0 = Math.max(0, oy0 - dy - margin);
      int by1 = Math.min(b.height(), oy1 - dy + margin);
      if (ax1 <= ax0 || ay1 <= ay0 || bx1 <= bx0 || by1 <= by0) {
        return null;
      }
      return new Overlap(
          FloatImage.crop(a, ax0, ay0, ax1, ay1),
          FloatImage.crop(b, bx0, by0, bx1, by1),
          bx0 - ax0,
          by0 - ay0);
    }
  }

  /**
   * @param pair pair registration settings
   * @param solver solver and outlier settings
   * @param maxResidualPx QC: largest allowed residual statistic of the kept pairs, px
   * @param qcStatistic {@code max} or {@code p95}: which residual statistic the QC gate checks
   * @param maxUnplacedTiles QC: tiles allowed to be unplaced (outside the largest connected group
   *     of registered tiles) or weakly placed (fewer than {@code minPairsPerTile} kept pairs, so
   *     nothing checks the one pair that places them)
   * @param minPairsPerTile kept pairs a tile needs to count as placed
   * @param equalize whether to even out tile brightness (gain and offset per tile) from the
   *     overlaps
   */
  public record Params(
      PairRegistration.Params pair,
      PositionSolver.Params solver,
      double maxResidualPx,
      String qcStatistic,
      int maxUnplacedTiles,
      int minPairsPerTile,
      boolean equalize) {
    public static final Params DEFAULT =
        new Params(
            PairRegistration.Params.DEFAULT, PositionSolver.Params.DEFAULT, 2.0, "max", 0, 2, true);
  }

  /**
   * A candidate pair and what became of it.
   *
   * @param a first tile (index into the tiles)
   * @param b second tile
   * @param registration the registration ({@code dx, dy}: b's top-left relative to a's)
   * @param used kept by the solver
   * @param outlier rejected by the solver
   * @param residualPx distance between the solved and the measured offset (NaN for unregistered
   *     pairs)
   */
  public record Pair(
      int a,
      int b,
      PairRegistration.Result registration,
      boolean used,
      boolean outlier,
      double residualPx) {}

  /**
   * QC figures, as written to {@code qc.json}.
   *
   * @param tiles tiles in the section
   * @param pairs candidate pairs (nominally overlapping)
   * @param registered pairs that registered (passed the texture, overlap and correlation checks)
   * @param used registered pairs the solver kept
   * @param outliers registered pairs the solver rejected
   * @param rejected pairs that did not register
   * @param residualMedianPx median residual of the kept pairs, px
   * @param residualP95Px 95th percentile
   * @param residualMaxPx maximum
   * @param unplacedTiles tiles outside the largest connected group (placed at their nominal
   *     position relative to it) and tiles placed by fewer than {@code minPairsPerTile} pairs
   * @param passed whether the section passed the QC gate
   * @param failure why not, with the numbers; null when passed
   */
  public record Qc(
      int tiles,
      int pairs,
      int registered,
      int used,
      int outliers,
      int rejected,
      double residualMedianPx,
      double residualP95Px,
      double residualMaxPx,
      List<String> unplacedTiles,
      boolean passed,
      String failure) {}

  /**
   * @param tiles the tiles
   * @param x solved top-left x per tile, stage pixels
   * @param y solved top-left y per tile, stage pixels
   * @param gain brightness gain per tile (1 without equalization)
   * @param offset brightness offset per tile (grey levels)
   * @param pairs every candidate pair
   * @param qc the QC figures
   */
  public record Result(
      List<Tile> tiles,
      double[] x,
      double[] y,
      double[] gain,
      double[] offset,
      List<Pair> pairs,
      Qc qc) {}

  private SectionStitcher() {}

  /** Pairs of tiles whose nominal rectangles overlap, found by a sweep over x. */
  static List<int[]> candidatePairs(List<Tile> tiles) {
    Integer[] order = new Integer[tiles.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> tiles.get(i).stageX()));
    List<int[]> out = new ArrayList<>();
    for (int oi = 0; oi < order.length; oi++) {
      Tile a = tiles.get(order[oi]);
      for (int oj = oi + 1; oj < order.length; oj++) {
        Tile b = tiles.get(order[oj]);
        if (b.stageX() >= a.stageX() + a.width()) {
          break;
        }
        double ow =
            Math.min(a.stageX() + a.width(), b.stageX() + b.width())
                - Math.max(a.stageX(), b.stageX());
        double oh =
            Math.min(a.stageY() + a.height(), b.stageY() + b.height())
                - Math.max(a.stageY(), b.stageY());
        if (ow > 0 && oh > 0) {
          int i = Math.min(order[oi], order[oj]);
          int j = Math.max(order[oi], order[oj]);
          out.add(new int[] {i, j});
        }
      }
    }
    out.sort(Comparator.<int[]>comparingInt(p -> p[0]).thenComparingInt(p -> p[1]));
    return out;
  }

  /**
   * Stitches the section's {@code tiles}, reading their pixels from {@code source} a pair at a
   * time.
   */
  public static Result stitch(List<Tile> tiles, TileSource source, Params p)
      throws IOException, InterruptedException {
    int n = tiles.size();
    List<int[]> cand = candidatePairs(tiles);
    List<PairRegistration.Result> regs = new ArrayList<>();
    List<PositionSolver.Edge> edges = new ArrayList<>();
    List<Integer> edgePair = new ArrayList<>();
    for (int k = 0; k < cand.size(); k++) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      PairRegistration.Result r = register(tiles, source, cand.get(k)[0], cand.get(k)[1], p.pair());
      regs.add(r);
      if (r.accepted()) {
        edges.add(
            new PositionSolver.Edge(
                cand.get(k)[0], cand.get(k)[1], r.dx(), r.dy(), r.information()));
        edgePair.add(k);
      }
    }
    double[] nx = new double[n];
    double[] ny = new double[n];
    for (int i = 0; i < n; i++) {
      nx[i] = tiles.get(i).stageX();
      ny[i] = tiles.get(i).stageY();
    }
    PositionSolver.Solution sol = PositionSolver.solve(n, nx, ny, edges, p.solver());
    List<Pair> pairs = new ArrayList<>();
    int e = 0;
    for (int k = 0; k < cand.size(); k++) {
      PairRegistration.Result r = regs.get(k);
      if (r.accepted()) {
        pairs.add(
            new Pair(
                cand.get(k)[0],
                cand.get(k)[1],
                r,
                sol.used()[e],
                !sol.used()[e],
                sol.residual()[e]));
        e++;
      } else {
        pairs.add(new Pair(cand.get(k)[0], cand.get(k)[1], r, false, false, Double.NaN));
      }
    }
    double[] gain = new double[n];
    double[] offset = new double[n];
    Arrays.fill(gain, 1);
    if (p.equalize()) {
      equalize(tiles, source, sol, pairs, gain, offset);
    }
    double[] res = sol.usedResiduals();
    int[] kept = new int[n];
    for (Pair q : pairs) {
      if (q.used()) {
        kept[q.a()]++;
        kept[q.b()]++;
      }
    }
    List<String> unplaced = new ArrayList<>();
    List<String> weak = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = "mfov " + tiles.get(i).mfov() + " beam " + tiles.get(i).beam();
      if (sol.component()[i] != 0) {
        unplaced.add(name);
      } else if (n > 2 && kept[i] < p.minPairsPerTile()) {
        weak.add(name + " (" + kept[i] + " pair" + (kept[i] == 1 ? "" : "s") + ")");
      }
    }
    int registered = (int) pairs.stream().filter(q -> q.registration().accepted()).count();
    int used = (int) pairs.stream().filter(Pair::used).count();
    double med = Stats.median(res);
    double p95 = Stats.quantile(res, 0.95);
    double max = Stats.max(res);
    double gated = "p95".equals(p.qcStatistic()) ? p95 : max;
    List<String> problems = new ArrayList<>();
    if (res.length > 0 && gated > p.maxResidualPx()) {
      problems.add(
          String.format(
              "residual %s %.2f px exceeds maxResidualPx %.2f (median %.2f, p95 %.2f, max %.2f px"
                  + " over %d pairs; worst: %s)",
              p.qcStatistic(),
              gated,
              p.maxResidualPx(),
              med,
              p95,
              max,
              used,
              worstPairs(tiles, pairs, 3)));
    }
    if (unplaced.size() + weak.size() > p.maxUnplacedTiles()) {
      List<String> parts = new ArrayList<>();
      if (!unplaced.isEmpty()) {
        parts.add(
            String.format(
                "%d of %d tiles not connected to the rest by registered pairs: %s",
                unplaced.size(),
                n,
                String.join(", ", unplaced.subList(0, Math.min(10, unplaced.size())))));
      }
      if (!weak.isEmpty()) {
        parts.add(
            String.format(
                "%d of %d tiles placed by fewer than %d registered pairs: %s",
                weak.size(),
                n,
                p.minPairsPerTile(),
                String.join(", ", weak.subList(0, Math.min(10, weak.size())))));
      }
      problems.add(String.join("; ", parts) + " (maxUnplacedTiles " + p.maxUnplacedTiles() + ")");
    }
    if (n > 1 && used == 0) {
      problems.add("no tile pair registered (" + cand.size() + " candidate pairs)");
    }
    List<String> notPlaced = new ArrayList<>(unplaced);
    notPlaced.addAll(weak);
    Qc qc =
        new Qc(
            n,
            cand.size(),
            registered,
            used,
            sol.outliers(),
            cand.size() - registered,
            med,
            p95,
            max,
            notPlaced,
            problems.isEmpty(),
            problems.isEmpty() ? null : String.join("; ", problems));
    return new Result(tiles, sol.x(), sol.y(), gain, offset, pairs, qc);
  }

  /**
   * Registers tile {@code j} to tile {@code i} on windows around their nominal overlap: wide enough
   * for every offset the registration may try (phase correlation candidates within the search
   * radius, a hill climb of up to twice the radius, the sub-pixel and gradient neighbours), so the
   * result is the one the whole tiles give.
   */
  private static PairRegistration.Result register(
      List<Tile> tiles, TileSource source, int i, int j, PairRegistration.Params p)
      throws IOException, InterruptedException {
    Tile a = tiles.get(i);
    Tile b = tiles.get(j);
    double nomDx = b.stageX() - a.stageX();
    double nomDy = b.stageY() - a.stageY();
    int margin = 3 * (int) Math.ceil(p.searchRadiusPx()) + 3;
    Overlap o =
        Overlap.of(
            source.image(i),
            source.image(j),
            (int) Math.round(nomDx),
            (int) Math.round(nomDy),
            margin);
    if (o == null) {
      return PairRegistration.Result.rejected(nomDx, nomDy, 0, 0, "no nominal overlap");
    }
    PairRegistration.Result r =
        PairRegistration.register(o.a(), o.b(), nomDx + o.shiftX(), nomDy + o.shiftY(), p);
    return new PairRegistration.Result(
        r.accepted(),
        r.dx() - o.shiftX(),
        r.dy() - o.shiftY(),
        r.ncc(),
        r.overlapPx(),
        r.reason(),
        r.information());
  }

  private static String worstPairs(List<Tile> tiles, List<Pair> pairs, int k) {
    return pairs.stream()
        .filter(Pair::used)
        .sorted(Comparator.comparingDouble(Pair::residualPx).reversed())
        .limit(k)
        .map(
            q ->
                String.format(
                    "mfov %d beam %d - mfov %d beam %d %.2f px",
                    tiles.get(q.a()).mfov(),
                    tiles.get(q.a()).beam(),
                    tiles.get(q.b()).mfov(),
                    tiles.get(q.b()).beam(),
                    q.residualPx()))
        .reduce((s, t) -> s + ", " + t)
        .orElse("none");
  }

  /**
   * Gain and offset per tile so overlapping tiles agree: {@code v' = 128 + gain (v - 128) +
   * offset}. Log gains from the ratio of grey-level spreads in each overlap, then offsets from the
   * means, both solved on the pair graph with a weak prior (gain 1, offset 0) that keeps the
   * section's mean brightness.
   */
  static void equalize(
      List<Tile> tiles,
      TileSource source,
      PositionSolver.Solution sol,
      List<Pair> pairs,
      double[] gain,
      double[] offset)
      throws IOException, InterruptedException {
    int n = tiles.size();
    List<int[]> ends = new ArrayList<>();
    List<double[]> stats = new ArrayList<>();
    for (Pair q : pairs) {
      if (!q.used()) {
        continue;
      }
      int dx = (int) Math.round(sol.x()[q.b()] - sol.x()[q.a()]);
      int dy = (int) Math.round(sol.y()[q.b()] - sol.y()[q.a()]);
      Overlap o = Overlap.of(source.image(q.a()), source.image(q.b()), dx, dy, 0);
      if (o == null) {
        continue;
      }
      PairRegistration.Ncc s = PairRegistration.ncc(o.a(), o.b(), dx + o.shiftX(), dy + o.shiftY());
      if (s.n() > 0 && s.stdA() > 0.5 && s.stdB() > 0.5) {
        ends.add(new int[] {q.a(), q.b()});
        stats.add(new double[] {s.meanA(), s.meanB(), s.stdA(), s.stdB()});
      }
    }
    int m = ends.size();
    if (m == 0) {
      return;
    }
    int[] from = new int[m];
    int[] to = new int[m];
    double[] w = new double[m];
    double[] meas = new double[m];
    for (int e = 0; e < m; e++) {
      from[e] = ends.get(e)[0];
      to[e] = ends.get(e)[1];
      w[e] = 1;
      // g_b - g_a = log(stdA / stdB)
      meas[e] = Math.log(stats.get(e)[2] / stats.get(e)[3]);
    }
    double[] logGain = GraphSolver.solve(n, from, to, w, meas, new double[n], 0.01);
    for (int i = 0; i < n; i++) {
      gain[i] = Math.exp(logGain[i]);
    }
    for (int e = 0; e < m; e++) {
      double[] s = stats.get(e);
      // o_b - o_a = g_a (meanA - 128) - g_b (meanB - 128)
      meas[e] = gain[from[e]] * (s[0] - 128) - gain[to[e]] * (s[1] - 128);
    }
    double[] off = GraphSolver.solve(n, from, to, w, meas, new double[n], 0.01);
    System.arraycopy(off, 0, offset, 0, n);
  }
}
