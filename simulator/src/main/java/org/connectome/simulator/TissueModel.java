package org.connectome.simulator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Synthetic neuropil: densely packed neurites with ground truth.
 *
 * <p>Every cell is a tube around a gently curving skeleton (a polyline) with a radius; skeletons of
 * different cells never come closer than the sum of their radii. Space is divided among cells by an
 * additively weighted distance: a point belongs to the cell with the least {@code distance to its
 * skeleton - radius}, measured after a smooth warp of space so boundaries bend. Each cell therefore
 * owns its whole skeleton and a connected, smooth region around it; there is no background.
 * Membranes are drawn along the boundaries.
 *
 * <p>Coordinates here are <em>physical</em>, in section pixels: {@code (x, y, z * zScale)} for
 * voxel {@code (x, y, z)}, with {@code zScale = section thickness / pixel size}.
 */
final class TissueModel {
  /** How far (in value units, about px) the second-nearest cell must be known to draw membranes. */
  static final double SECOND_MARGIN = 12;

  private static final double GAP = 2;

  final int width;
  final int height;
  final int depth;
  final double zScale;
  final double zMax;

  // warp of space
  private final LatticeNoise warpX;
  private final LatticeNoise warpY;
  private final LatticeNoise warpZ;
  private final double warpAmp;
  private final double warpAmpZ;

  /** Lipschitz bound of (identity + warp). */
  final double lipschitz;

  // skeleton segments
  int segCount;
  double[] ax;
  double[] ay;
  double[] az;
  double[] dx;
  double[] dy;
  double[] dz;
  double[] invLen2;
  double[] rad;
  int[] segCell;

  // cells, by id (index 0 unused)
  int cellCount;
  double[] cellRadius;
  boolean[] cellEnds;
  float[] cellBase;
  int[] cellFirstSeg;
  int[] cellSegs;

  // grid of segments (xy bins) for point queries
  private final double gridMinX;
  private final double gridMinY;
  private final double gridSize;
  private final int gridW;
  private final int gridH;
  private int[][] grid;
  private int[] gridFill;

  // texture
  final Appearance look;

  /** Per cell: how densely its cytoplasm is speckled, relative (realistic look only). */
  float[] cellSpeckle;

  /** Slow brightness drift across and between sections (realistic look only, else null). */
  final LatticeNoise driftField;

  final LatticeNoise texCoarse;
  final LatticeNoise texFine;
  final long grainSeed;

  final List<Mito> mitos = new ArrayList<>();
  final List<Synapse> synapses = new ArrayList<>();
  final List<Vesicle> vesicles = new ArrayList<>();

  /** A mitochondrion: an ellipsoid of revolution inside {@code cell} (physical coordinates). */
  record Mito(
      int id,
      int cell,
      double x,
      double y,
      double z,
      double ux,
      double uy,
      double uz,
      double halfLength,
      double radius) {}

  /**
   * A synapse: cleft centre in physical coordinates (z on a section plane), unit normal from pre to
   * post, radius of the cleft disc.
   */
  record Synapse(
      int id,
      int pre,
      int post,
      double x,
      double y,
      double z,
      double nx,
      double ny,
      double nz,
      double radius,
      int vesicles) {}

  /** A synaptic vesicle inside the pre-synaptic cell. */
  record Vesicle(int synapse, int cell, double x, double y, double z, double radius) {}

  /** Result of a point query: nearest and second-nearest cells with their values. */
  static final class Sample {
    int cell1;
    double v1;
    int cell2;
    double v2;
  }

  TissueModel(SimulationParams p, int width, int height) {
    this.width = width;
    this.height = height;
    this.depth = p.sections();
    this.zScale = p.sectionThicknessNm() / p.pixelSizeNm();
    this.zMax = (depth - 1) * zScale;
    double rMax = p.cellRadiusMax();
    double ext = rMax + 40;
    double minX = -ext;
    double minY = -ext;
    double minZ = -ext;
    double maxX = width - 1 + ext;
    double maxY = height - 1 + ext;
    double maxZ = zMax + ext;

    double meanR = 0.5 * (p.cellRadiusMin() + p.cellRadiusMax());
    warpAmp = Math.min(12, Math.max(3, 0.35 * meanR));
    warpAmpZ = warpAmp * 0.5;
    double warpSpacing = 170;
    warpX =
        new LatticeNoise(
            Rng.key(p.seed(), "warp-x"), warpSpacing, minX, minY, minZ, maxX, maxY, maxZ);
    warpY =
        new LatticeNoise(
            Rng.key(p.seed(), "warp-y"), warpSpacing, minX, minY, minZ, maxX, maxY, maxZ);
    warpZ =
        new LatticeNoise(
            Rng.key(p.seed(), "warp-z"), warpSpacing, minX, minY, minZ, maxX, maxY, maxZ);
    double slope = warpX.maxSlope();
    double rowsNorm = Math.sqrt(3) * slope * Math.sqrt(2 * warpAmp * warpAmp + warpAmpZ * warpAmpZ);
    lipschitz = 1 + rowsNorm;

    texCoarse =
        new LatticeNoise(Rng.key(p.seed(), "texture-coarse"), 36, 0, 0, 0, width, height, zMax);
    texFine = new LatticeNoise(Rng.key(p.seed(), "texture-fine"), 11, 0, 0, 0, width, height, zMax);
    grainSeed = Rng.key(p.seed(), "grain");
    look = p.appearance();
    driftField =
        look.drift() > 0
            ? new LatticeNoise(Rng.key(p.seed(), "drift"), 420, 0, 0, 0, width, height, zMax)
            : null;

    gridSize = 128;
    gridMinX = minX - rMax;
    gridMinY = minY - rMax;
    gridW = (int) Math.ceil((maxX + rMax - gridMinX) / gridSize) + 1;
    gridH = (int) Math.ceil((maxY + rMax - gridMinY) / gridSize) + 1;
    grid = new int[gridW * gridH][];
    gridFill = new int[gridW * gridH];

    placeCells(p, minX, minY, minZ, maxX, maxY, maxZ);
  }

  // ---------------------------------------------------------------- geometry

  /** Warped position of physical point (x, y, z) into {@code out}. */
  void warp(double x, double y, double z, double[] out) {
    out[0] = x + warpAmp * warpX.at(x, y, z);
    out[1] = y + warpAmp * warpY.at(x, y, z);
    out[2] = z + warpAmpZ * warpZ.at(x, y, z);
  }

  /** {@code distance to segment s - its radius} at warped point (x, y, z). */
  double segValue(int s, double x, double y, double z) {
    double px = x - ax[s];
    double py = y - ay[s];
    double pz = z - az[s];
    double t = (px * dx[s] + py * dy[s] + pz * dz[s]) * invLen2[s];
    if (t < 0) {
      t = 0;
    } else if (t > 1) {
      t = 1;
    }
    px -= t * dx[s];
    py -= t * dy[s];
    pz -= t * dz[s];
    return Math.sqrt(px * px + py * py + pz * pz) - rad[s];
  }

  /** The value of {@code cell} (least over its segments) at warped point (x, y, z). */
  double cellValue(int cell, double x, double y, double z) {
    double best = Double.MAX_VALUE;
    int end = cellFirstSeg[cell] + cellSegs[cell];
    for (int s = cellFirstSeg[cell]; s < end; s++) {
      best = Math.min(best, segValue(s, x, y, z));
    }
    return best;
  }

  /** The value of {@code cell} at physical point (x, y, z) (warp applied). */
  double cellValueAt(int cell, double x, double y, double z) {
    double[] w = new double[3];
    warp(x, y, z, w);
    return cellValue(cell, w[0], w[1], w[2]);
  }

  /** Nearest and second-nearest cells at physical point (x, y, z). */
  Sample query(double x, double y, double z) {
    double[] w = new double[3];
    warp(x, y, z, w);
    Sample out = new Sample();
    out.v1 = Double.MAX_VALUE;
    out.v2 = Double.MAX_VALUE;
    int bx = (int) Math.floor((w[0] - gridMinX) / gridSize);
    int by = (int) Math.floor((w[1] - gridMinY) / gridSize);
    if (bx < 0 || by < 0 || bx >= gridW || by >= gridH) {
      for (int s = 0; s < segCount; s++) {
        offer(out, segCell[s], segValue(s, w[0], w[1], w[2]));
      }
      return out;
    }
    int maxRing = Math.max(gridW, gridH);
    for (int k = 0; k <= maxRing; k++) {
      for (int j = by - k; j <= by + k; j++) {
        if (j < 0 || j >= gridH) {
          continue;
        }
        boolean edgeRow = j == by - k || j == by + k;
        for (int i = bx - k; i <= bx + k; i += edgeRow ? 1 : 2 * k) {
          if (i >= 0 && i < gridW) {
            int cellIndex = j * gridW + i;
            int[] list = grid[cellIndex];
            for (int n = 0; n < gridFill[cellIndex]; n++) {
              int s = list[n];
              offer(out, segCell[s], segValue(s, w[0], w[1], w[2]));
            }
          }
          if (k == 0) {
            break;
          }
        }
      }
      // segments not seen yet lie at least k * gridSize away (beyond their radius)
      double needed = Math.min(out.v2, out.v1 + 4 * SECOND_MARGIN);
      if (out.cell1 != 0 && k * gridSize > needed) {
        break;
      }
    }
    return out;
  }

  static void offer(Sample s, int cell, double v) {
    if (cell == s.cell1) {
      if (v < s.v1) {
        s.v1 = v;
      }
    } else if (v < s.v1) {
      s.cell2 = s.cell1;
      s.v2 = s.v1;
      s.cell1 = cell;
      s.v1 = v;
    } else if (cell == s.cell2) {
      if (v < s.v2) {
        s.v2 = v;
      }
    } else if (v < s.v2) {
      s.cell2 = cell;
      s.v2 = v;
    }
  }

  /**
   * The physical point whose warped position is (x, y, z) (the warp is a small, smooth
   * displacement).
   */
  double[] unwarp(double x, double y, double z) {
    double[] p = {x, y, z};
    double[] w = new double[3];
    for (int i = 0; i < 12; i++) {
      warp(p[0], p[1], p[2], w);
      p[0] += x - w[0];
      p[1] += y - w[1];
      p[2] += z - w[2];
    }
    return p;
  }

  // ---------------------------------------------------------------- cells

  private void placeCells(
      SimulationParams p,
      double minX,
      double minY,
      double minZ,
      double maxX,
      double maxY,
      double maxZ) {
    SplittableRandom r = Rng.random(p.seed(), "cells");
    int target = p.cells();
    double[] radii = new double[target];
    double lnMin = Math.log(p.cellRadiusMin());
    double lnMax = Math.log(p.cellRadiusMax());
    for (int i = 0; i < target; i++) {
      radii[i] = Math.exp(Rng.uniform(r, lnMin, lnMax));
    }
    Arrays.sort(radii);
    List<double[]> polylines = new ArrayList<>();
    List<Double> accepted = new ArrayList<>();
    List<Boolean> ends = new ArrayList<>();
    int capacity = 1024;
    ax = new double[capacity];
    ay = new double[capacity];
    az = new double[capacity];
    dx = new double[capacity];
    dy = new double[capacity];
    dz = new double[capacity];
    invLen2 = new double[capacity];
    rad = new double[capacity];
    segCell = new int[capacity];
    List<int[]> cellSegRanges = new ArrayList<>();
    double insetXY = warpAmp + 1;
    // a few thin axons run in the section plane across the whole volume; they go first, before it
    // fills up
    int lateral = Math.min(target, Math.max(2, target / 12));
    for (int i = 0; i < target; i++) {
      boolean inPlane = i < lateral;
      double radius =
          inPlane
              ? Rng.uniform(
                  r, p.cellRadiusMin(), Math.min(p.cellRadiusMax(), 1.4 * p.cellRadiusMin()))
              : radii[target - 1 - (i - lateral)]; // then the largest first
      for (int attempt = 0; attempt < 60; attempt++) {
        double px = Rng.uniform(r, insetXY, width - 1 - insetXY);
        double py = Rng.uniform(r, insetXY, height - 1 - insetXY);
        double pz = Rng.uniform(r, 0, zMax);
        // isotropic direction, or nearly in the plane
        double uz = inPlane ? Rng.uniform(r, -0.02, 0.02) : Rng.uniform(r, -1, 1);
        double phi = Rng.uniform(r, 0, 2 * Math.PI);
        double s = Math.sqrt(1 - uz * uz);
        double[] dir = {s * Math.cos(phi), s * Math.sin(phi), uz};
        boolean end = !inPlane && r.nextDouble() < 0.25;
        double step = Math.max(40, Math.min(110, 4 * radius));
        double[] pts =
            grow(
                r,
                px,
                py,
                pz,
                dir,
                step,
                end,
                radius,
                inPlane ? 0.01 : 0.22,
                minX,
                minY,
                minZ,
                maxX,
                maxY,
                maxZ);
        int cellId = accepted.size() + 1;
        if (!fits(pts, radius, p.cellRadiusMax())) {
          continue;
        }
        int first = segCount;
        for (int k = 0; k + 3 < pts.length; k += 3) {
          addSegment(
              pts[k], pts[k + 1], pts[k + 2], pts[k + 3], pts[k + 4], pts[k + 5], radius, cellId);
        }
        cellSegRanges.add(new int[] {first, segCount - first});
        polylines.add(pts);
        accepted.add(radius);
        ends.add(end);
        break;
      }
    }
    cellCount = accepted.size();
    cellRadius = new double[cellCount + 1];
    cellEnds = new boolean[cellCount + 1];
    cellBase = new float[cellCount + 1];
    cellFirstSeg = new int[cellCount + 1];
    cellSegs = new int[cellCount + 1];
    SplittableRandom shade = Rng.random(p.seed(), "cell-shade");
    for (int c = 1; c <= cellCount; c++) {
      cellRadius[c] = accepted.get(c - 1);
      cellEnds[c] = ends.get(c - 1);
      cellBase[c] = (float) Rng.uniform(shade, 150, 200);
      cellFirstSeg[c] = cellSegRanges.get(c - 1)[0];
      cellSegs[c] = cellSegRanges.get(c - 1)[1];
    }
    cellSpeckle = new float[cellCount + 1];
    if (!look.classic()) {
      // a stream of its own, so that the classic look draws exactly what it always drew
      SplittableRandom tone = Rng.random(p.seed(), "cell-appearance");
      for (int c = 1; c <= cellCount; c++) {
        boolean dark = tone.nextDouble() < look.darkCells();
        cellBase[c] =
            (float)
                (dark
                    ? Rng.uniform(tone, look.membraneGreyMax(), look.cellGreyMin())
                    : Rng.uniform(tone, look.cellGreyMin(), look.cellGreyMax()));
        cellSpeckle[c] = (float) Rng.uniform(tone, 0.2, 1.8);
      }
    }
  }

  /**
   * A skeleton through (px, py, pz): grown both ways, gently curving, until it leaves the box or
   * ends.
   */
  private static double[] grow(
      SplittableRandom r,
      double px,
      double py,
      double pz,
      double[] dir,
      double step,
      boolean ends,
      double radius,
      double zBend,
      double minX,
      double minY,
      double minZ,
      double maxX,
      double maxY,
      double maxZ) {
    List<double[]> back = new ArrayList<>();
    List<double[]> fwd = new ArrayList<>();
    for (int side = 0; side < 2; side++) {
      List<double[]> out = side == 0 ? fwd : back;
      double sign = side == 0 ? 1 : -1;
      double[] d = {dir[0] * sign, dir[1] * sign, dir[2] * sign};
      double x = px;
      double y = py;
      double z = pz;
      double length = ends ? Rng.uniform(r, 1.5 * radius, 6 * radius + 120) : Double.MAX_VALUE;
      double walked = 0;
      for (int n = 0; n < 60 && walked < length; n++) {
        double len = Math.min(step, length - walked);
        x += d[0] * len;
        y += d[1] * len;
        z += d[2] * len;
        walked += len;
        out.add(new double[] {x, y, z});
        if (x < minX || y < minY || z < minZ || x > maxX || y > maxY || z > maxZ) {
          break;
        }
        // bend: perturb the direction a little
        d[0] += 0.22 * Rng.uniform(r, -1, 1);
        d[1] += 0.22 * Rng.uniform(r, -1, 1);
        d[2] += zBend * Rng.uniform(r, -1, 1);
        double norm = Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        d[0] /= norm;
        d[1] /= norm;
        d[2] /= norm;
      }
    }
    double[] pts = new double[3 * (back.size() + 1 + fwd.size())];
    int k = 0;
    for (int i = back.size() - 1; i >= 0; i--) {
      double[] q = back.get(i);
      pts[k++] = q[0];
      pts[k++] = q[1];
      pts[k++] = q[2];
    }
    pts[k++] = px;
    pts[k++] = py;
    pts[k++] = pz;
    for (double[] q : fwd) {
      pts[k++] = q[0];
      pts[k++] = q[1];
      pts[k++] = q[2];
    }
    return pts;
  }

  /** Whether a skeleton keeps clear of every placed skeleton by the sum of radii (plus a gap). */
  private boolean fits(double[] pts, double radius, double rMax) {
    double reach = radius + rMax + GAP;
    for (int k = 0; k + 3 < pts.length; k += 3) {
      double x0 = Math.min(pts[k], pts[k + 3]) - reach;
      double x1 = Math.max(pts[k], pts[k + 3]) + reach;
      double y0 = Math.min(pts[k + 1], pts[k + 4]) - reach;
      double y1 = Math.max(pts[k + 1], pts[k + 4]) + reach;
      int i0 = Math.max(0, (int) Math.floor((x0 - gridMinX) / gridSize));
      int i1 = Math.min(gridW - 1, (int) Math.floor((x1 - gridMinX) / gridSize));
      int j0 = Math.max(0, (int) Math.floor((y0 - gridMinY) / gridSize));
      int j1 = Math.min(gridH - 1, (int) Math.floor((y1 - gridMinY) / gridSize));
      for (int j = j0; j <= j1; j++) {
        for (int i = i0; i <= i1; i++) {
          int c = j * gridW + i;
          int[] list = grid[c];
          for (int n = 0; n < gridFill[c]; n++) {
            int s = list[n];
            double need = radius + rad[s] + GAP;
            double d2 =
                segSegDistance2(
                    pts[k],
                    pts[k + 1],
                    pts[k + 2],
                    pts[k + 3],
                    pts[k + 4],
                    pts[k + 5],
                    ax[s],
                    ay[s],
                    az[s],
                    ax[s] + dx[s],
                    ay[s] + dy[s],
                    az[s] + dz[s]);
            if (d2 < need * need) {
              return false;
            }
          }
        }
      }
    }
    return true;
  }

  private void addSegment(
      double x0, double y0, double z0, double x1, double y1, double z1, double radius, int cell) {
    if (segCount == ax.length) {
      int n = ax.length * 2;
      ax = Arrays.copyOf(ax, n);
      ay = Arrays.copyOf(ay, n);
      az = Arrays.copyOf(az, n);
      dx = Arrays.copyOf(dx, n);
      dy = Arrays.copyOf(dy, n);
      dz = Arrays.copyOf(dz, n);
      invLen2 = Arrays.copyOf(invLen2, n);
      rad = Arrays.copyOf(rad, n);
      segCell = Arrays.copyOf(segCell, n);
    }
    int s = segCount++;
    ax[s] = x0;
    ay[s] = y0;
    az[s] = z0;
    dx[s] = x1 - x0;
    dy[s] = y1 - y0;
    dz[s] = z1 - z0;
    double l2 = dx[s] * dx[s] + dy[s] * dy[s] + dz[s] * dz[s];
    invLen2[s] = l2 > 1e-12 ? 1 / l2 : 0;
    rad[s] = radius;
    segCell[s] = cell;
    double bx0 = Math.min(x0, x1) - radius;
    double bx1 = Math.max(x0, x1) + radius;
    double by0 = Math.min(y0, y1) - radius;
    double by1 = Math.max(y0, y1) + radius;
    int i0 = Math.max(0, (int) Math.floor((bx0 - gridMinX) / gridSize));
    int i1 = Math.min(gridW - 1, (int) Math.floor((bx1 - gridMinX) / gridSize));
    int j0 = Math.max(0, (int) Math.floor((by0 - gridMinY) / gridSize));
    int j1 = Math.min(gridH - 1, (int) Math.floor((by1 - gridMinY) / gridSize));
    for (int j = j0; j <= j1; j++) {
      for (int i = i0; i <= i1; i++) {
        int c = j * gridW + i;
        if (grid[c] == null) {
          grid[c] = new int[8];
        } else if (gridFill[c] == grid[c].length) {
          grid[c] = Arrays.copyOf(grid[c], grid[c].length * 2);
        }
        grid[c][gridFill[c]++] = s;
      }
    }
  }

  /** Squared distance between segments p1-q1 and p2-q2 (closest points, clamped). */
  static double segSegDistance2(
      double p1x,
      double p1y,
      double p1z,
      double q1x,
      double q1y,
      double q1z,
      double p2x,
      double p2y,
      double p2z,
      double q2x,
      double q2y,
      double q2z) {
    double d1x = q1x - p1x;
    double d1y = q1y - p1y;
    double d1z = q1z - p1z;
    double d2x = q2x - p2x;
    double d2y = q2y - p2y;
    double d2z = q2z - p2z;
    double rx = p1x - p2x;
    double ry = p1y - p2y;
    double rz = p1z - p2z;
    double a = d1x * d1x + d1y * d1y + d1z * d1z;
    double e = d2x * d2x + d2y * d2y + d2z * d2z;
    double f = d2x * rx + d2y * ry + d2z * rz;
    double s;
    double t;
    double eps = 1e-12;
    if (a <= eps && e <= eps) {
      s = 0;
      t = 0;
    } else if (a <= eps) {
      s = 0;
      t = clamp01(f / e);
    } else {
      double c = d1x * rx + d1y * ry + d1z * rz;
      if (e <= eps) {
        t = 0;
        s = clamp01(-c / a);
      } else {
        double b = d1x * d2x + d1y * d2y + d1z * d2z;
        double denom = a * e - b * b;
        s = denom > eps ? clamp01((b * f - c * e) / denom) : 0;
        t = (b * s + f) / e;
        if (t < 0) {
          t = 0;
          s = clamp01(-c / a);
        } else if (t > 1) {
          t = 1;
          s = clamp01((b - c) / a);
        }
      }
    }
    double cx = p1x + d1x * s - (p2x + d2x * t);
    double cy = p1y + d1y * s - (p2y + d2y * t);
    double cz = p1z + d1z * s - (p2z + d2z * t);
    return cx * cx + cy * cy + cz * cz;
  }

  private static double clamp01(double v) {
    return v < 0 ? 0 : (v > 1 ? 1 : v);
  }

  // ---------------------------------------------------------------- organelles and synapses

  /** Places mitochondria inside cells. */
  void placeMitochondria(SimulationParams p) {
    SplittableRandom r = Rng.random(p.seed(), "mitochondria");
    int target = p.mitochondria();
    List<Integer> hosts = new ArrayList<>();
    for (int c = 1; c <= cellCount; c++) {
      if (cellRadius[c] >= 12) {
        hosts.add(c);
      }
    }
    if (hosts.isEmpty()) {
      for (int c = 1; c <= cellCount; c++) {
        hosts.add(c);
      }
    }
    for (int attempt = 0;
        attempt < target * 40 && mitos.size() < target && !hosts.isEmpty();
        attempt++) {
      int cell = hosts.get(r.nextInt(hosts.size()));
      int seg = cellFirstSeg[cell] + r.nextInt(cellSegs[cell]);
      double t = Rng.uniform(r, 0.1, 0.9);
      double sx = ax[seg] + t * dx[seg];
      double sy = ay[seg] + t * dy[seg];
      double sz = az[seg] + t * dz[seg];
      double len = Math.sqrt(dx[seg] * dx[seg] + dy[seg] * dy[seg] + dz[seg] * dz[seg]);
      if (len < 1e-6) {
        continue;
      }
      double ux = dx[seg] / len + 0.15 * Rng.uniform(r, -1, 1);
      double uy = dy[seg] / len + 0.15 * Rng.uniform(r, -1, 1);
      double uz = dz[seg] / len + 0.15 * Rng.uniform(r, -1, 1);
      double un = Math.sqrt(ux * ux + uy * uy + uz * uz);
      ux /= un;
      uy /= un;
      uz /= un;
      double rc = cellRadius[cell];
      double half = Rng.uniform(r, Math.max(8, 0.6 * rc), Math.max(9, Math.min(45, 2 * rc)));
      double radius = Rng.uniform(r, 4, Math.max(4.5, Math.min(0.45 * rc, 13)));
      // offset sideways from the skeleton
      double[] perp = perpendicular(ux, uy, uz, r);
      double off = Rng.uniform(r, 0, 0.3 * rc);
      double[] c = unwarp(sx + perp[0] * off, sy + perp[1] * off, sz + perp[2] * off);
      if (c[0] < 0
          || c[1] < 0
          || c[0] > width - 1
          || c[1] > height - 1
          || c[2] < -radius
          || c[2] > zMax + radius) {
        continue;
      }
      if (query(c[0], c[1], c[2]).cell1 != cell
          || query(c[0] + 0.8 * half * ux, c[1] + 0.8 * half * uy, c[2] + 0.8 * half * uz).cell1
              != cell
          || query(c[0] - 0.8 * half * ux, c[1] - 0.8 * half * uy, c[2] - 0.8 * half * uz).cell1
              != cell) {
        continue;
      }
      boolean clear = true;
      for (Mito m : mitos) {
        double ddx = m.x() - c[0];
        double ddy = m.y() - c[1];
        double ddz = m.z() - c[2];
        double need = m.halfLength() + half + 2;
        if (ddx * ddx + ddy * ddy + ddz * ddz < need * need) {
          clear = false;
          break;
        }
      }
      if (clear) {
        mitos.add(new Mito(mitos.size() + 1, cell, c[0], c[1], c[2], ux, uy, uz, half, radius));
      }
    }
  }

  /** Coverage of the imaged area: whether voxel (x, y) of plane z is imaged well inside a tile. */
  interface Coverage {
    boolean covered(int z, double x, double y);
  }

  /**
   * Places synapses at contacts of two cells, each with a vesicle cluster on the pre-synaptic side.
   */
  void placeSynapses(SimulationParams p, Coverage coverage) {
    SplittableRandom r = Rng.random(p.seed(), "synapses");
    int target = p.synapses();
    Set<Long> pairs = new HashSet<>();
    for (int attempt = 0; attempt < target * 400 && synapses.size() < target; attempt++) {
      int z = r.nextInt(depth);
      double x = Rng.uniform(r, 0, width - 1);
      double y = Rng.uniform(r, 0, height - 1);
      if (!coverage.covered(z, x, y)) {
        continue;
      }
      double pz = z * zScale;
      Sample s = query(x, y, pz);
      if (s.cell2 == 0 || (s.v2 - s.v1) / 2 > 10) {
        continue;
      }
      int a = s.cell1;
      int b = s.cell2;
      long pair = ((long) Math.min(a, b) << 32) | Math.max(a, b);
      if (pairs.contains(pair)) {
        continue;
      }
      // normal of the a|b boundary: g = v_b - v_a falls from a towards b
      double h = 0.5;
      double gx = g(a, b, x + h, y, pz) - g(a, b, x - h, y, pz);
      double gy = g(a, b, x, y + h, pz) - g(a, b, x, y - h, pz);
      double gz = g(a, b, x, y, pz + h) - g(a, b, x, y, pz - h);
      double gn = Math.sqrt(gx * gx + gy * gy + gz * gz);
      if (gn < 1e-9) {
        continue;
      }
      double nx = -gx / gn;
      double ny = -gy / gn;
      double nz = -gz / gn;
      if (Math.abs(nz) > 0.6) {
        continue; // contact too flat in the section plane to be seen as a cleft
      }
      double un = Math.hypot(nx, ny);
      double ux = nx / un;
      double uy = ny / un;
      // walk towards b until the boundary is crossed, then bisect
      double lo = 0;
      double hi = -1;
      for (double t = 1; t <= 24; t += 1) {
        if (g(a, b, x + t * ux, y + t * uy, pz) < 0) {
          hi = t;
          break;
        }
        lo = t;
      }
      if (hi < 0) {
        continue;
      }
      for (int i = 0; i < 30; i++) {
        double mid = 0.5 * (lo + hi);
        if (g(a, b, x + mid * ux, y + mid * uy, pz) > 0) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      double t = 0.5 * (lo + hi);
      double cx = x + t * ux;
      double cy = y + t * uy;
      if (cx < 2 || cy < 2 || cx > width - 3 || cy > height - 3 || !coverage.covered(z, cx, cy)) {
        continue;
      }
      boolean ok = true;
      for (double k : new double[] {1.5, 3, 4.5}) {
        ok &=
            query(cx - k * ux, cy - k * uy, pz).cell1 == a
                && query(cx + k * ux, cy + k * uy, pz).cell1 == b;
      }
      if (!ok) {
        continue;
      }
      double radius = Rng.uniform(r, 12, 22);
      boolean clear = true;
      for (Synapse o : synapses) {
        double ddx = o.x() - cx;
        double ddy = o.y() - cy;
        double ddz = o.z() - pz;
        double need = o.radius() + radius + 12;
        if (ddx * ddx + ddy * ddy + ddz * ddz < need * need) {
          clear = false;
          break;
        }
      }
      if (!clear) {
        continue;
      }
      boolean aIsPre = r.nextBoolean();
      int pre = aIsPre ? a : b;
      int post = aIsPre ? b : a;
      double sign = aIsPre ? 1 : -1;
      int id = synapses.size() + 1;
      int nv = placeVesicles(r, id, pre, cx, cy, pz, -sign * nx, -sign * ny, -sign * nz, radius);
      synapses.add(
          new Synapse(id, pre, post, cx, cy, pz, sign * nx, sign * ny, sign * nz, radius, nv));
      pairs.add(pair);
    }
  }

  private double g(int a, int b, double x, double y, double z) {
    double[] w = new double[3];
    warp(x, y, z, w);
    return cellValue(b, w[0], w[1], w[2]) - cellValue(a, w[0], w[1], w[2]);
  }

  /**
   * Vesicles in a half-ball on the pre side ({@code (bx, by, bz)} points into the pre-synaptic
   * cell).
   */
  private int placeVesicles(
      SplittableRandom r,
      int synapse,
      int pre,
      double cx,
      double cy,
      double cz,
      double bx,
      double by,
      double bz,
      double radius) {
    int want = 16 + r.nextInt(20);
    List<Vesicle> mine = new ArrayList<>();
    double[] e1 = perpendicular(bx, by, bz, r);
    double e2x = by * e1[2] - bz * e1[1];
    double e2y = bz * e1[0] - bx * e1[2];
    double e2z = bx * e1[1] - by * e1[0];
    for (int attempt = 0; attempt < want * 6 && mine.size() < want; attempt++) {
      double rv = Rng.uniform(r, 2.2, 3.0);
      double depthIn = Rng.uniform(r, rv + 3, rv + 3 + 0.9 * radius);
      double rho = 0.85 * radius * Math.sqrt(r.nextDouble());
      double ang = Rng.uniform(r, 0, 2 * Math.PI);
      double lx = rho * Math.cos(ang);
      double ly = rho * Math.sin(ang);
      double vx = cx + bx * depthIn + e1[0] * lx + e2x * ly;
      double vy = cy + by * depthIn + e1[1] * lx + e2y * ly;
      double vz = cz + bz * depthIn + e1[2] * lx + e2z * ly;
      if (vz < -rv || vz > zMax + rv || vx < 0 || vy < 0 || vx > width - 1 || vy > height - 1) {
        continue;
      }
      boolean clear = true;
      for (Vesicle o : mine) {
        double ddx = o.x() - vx;
        double ddy = o.y() - vy;
        double ddz = o.z() - vz;
        double need = o.radius() + rv + 0.8;
        if (ddx * ddx + ddy * ddy + ddz * ddz < need * need) {
          clear = false;
          break;
        }
      }
      if (clear && query(vx, vy, vz).cell1 == pre) {
        mine.add(new Vesicle(synapse, pre, vx, vy, vz, rv));
      }
    }
    vesicles.addAll(mine);
    return mine.size();
  }

  private static double[] perpendicular(double ux, double uy, double uz, SplittableRandom r) {
    // any unit vector perpendicular to u, rotated randomly about u
    double ax0 = Math.abs(ux) < 0.9 ? 1 : 0;
    double ay0 = ax0 == 1 ? 0 : 1;
    double px = uy * 0 - uz * ay0;
    double py = uz * ax0 - ux * 0;
    double pz = ux * ay0 - uy * ax0;
    double n = Math.sqrt(px * px + py * py + pz * pz);
    px /= n;
    py /= n;
    pz /= n;
    double qx = uy * pz - uz * py;
    double qy = uz * px - ux * pz;
    double qz = ux * py - uy * px;
    double ang = Rng.uniform(r, 0, 2 * Math.PI);
    double c = Math.cos(ang);
    double s = Math.sin(ang);
    return new double[] {c * px + s * qx, c * py + s * qy, c * pz + s * qz};
  }

  /** Cell kind for the ground truth: thin neurites are called axons, thick ones dendrites. */
  String kind(int cell, SimulationParams p) {
    double split = p.cellRadiusMin() + 0.3 * (p.cellRadiusMax() - p.cellRadiusMin());
    return cellRadius[cell] < split ? "axon" : "dendrite";
  }
}
