package org.connectome.stages.segment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.connectome.stages.precomputed.ByteVolume;

/**
 * Test tissue with known cells: a Voronoi partition of jittered grid sites, every site drifting a
 * little from one section to the next (oblique neurites), optionally a long cell across the whole
 * width (a neurite crossing several subvolumes). Images look like the simulator's: cytoplasm 150 to
 * 200 with Gaussian noise, membranes dark (55) and about 3 px wide along the cell boundaries, an
 * optional dark mitochondrion inside a cell, and an optional unimaged rectangle (0).
 */
final class SyntheticTissue {
  final int nx;
  final int ny;
  final int nz;
  final ByteVolume image;

  /** True cell of every voxel (x fastest), 0 where not imaged. */
  final int[] truth;

  final int cells;

  private SyntheticTissue(int nx, int ny, int nz, ByteVolume image, int[] truth, int cells) {
    this.nx = nx;
    this.ny = ny;
    this.nz = nz;
    this.image = image;
    this.truth = truth;
    this.cells = cells;
  }

  /** Builder-style options. */
  static final class Options {
    int spacing = 40;
    double drift = 2.0;
    long seed = 1;

    /**
     * A cell across the whole width at rows [bandY, bandY + bandHeight), or none when bandHeight is
     * 0.
     */
    int bandY = 0;

    int bandHeight = 0;

    /**
     * A dark blob of this radius at the centre of the cell under (mitoX, mitoY) in every section,
     * or none.
     */
    int mitoX = -1;

    int mitoY = -1;
    double mitoRadius = 6;

    /** An unimaged rectangle [x0, x1) x [y0, y1), or none. */
    int[] hole;

    /** The section of the hole, or -1 for every section. */
    int holeSection = -1;

    double noise = 6;
  }

  static SyntheticTissue generate(int nx, int ny, int nz, Options o) {
    SplittableRandom r = new SplittableRandom(o.seed);
    List<double[]> sites = new ArrayList<>();
    for (int y = -o.spacing / 2; y < ny + o.spacing; y += o.spacing) {
      for (int x = -o.spacing / 2; x < nx + o.spacing; x += o.spacing) {
        double a = r.nextDouble() * 2 * Math.PI;
        sites.add(
            new double[] {
              x + r.nextDouble(-0.3, 0.3) * o.spacing,
              y + r.nextDouble(-0.3, 0.3) * o.spacing,
              o.drift * Math.cos(a),
              o.drift * Math.sin(a),
              150 + r.nextDouble() * 50
            });
      }
    }
    if (o.bandHeight > 0) {
      // no site near the band: the band would cut its cell into slivers no segmentation can tell
      // apart
      double centre = o.bandY + o.bandHeight / 2.0;
      sites.removeIf(p -> Math.abs(p[1] - centre) < o.bandHeight / 2.0 + 0.4 * o.spacing);
    }
    int band = o.bandHeight > 0 ? sites.size() + 1 : 0;
    int[] truth = new int[nx * ny * nz];
    byte[] img = new byte[nx * ny * nz];
    for (int z = 0; z < nz; z++) {
      for (int y = 0; y < ny; y++) {
        for (int x = 0; x < nx; x++) {
          int i = x + nx * (y + ny * z);
          int best = -1;
          double d1 = Double.MAX_VALUE;
          double d2 = Double.MAX_VALUE;
          for (int s = 0; s < sites.size(); s++) {
            double[] p = sites.get(s);
            double d = Math.hypot(x - (p[0] + p[2] * z), y - (p[1] + p[3] * z));
            if (d < d1) {
              d2 = d1;
              d1 = d;
              best = s;
            } else if (d < d2) {
              d2 = d;
            }
          }
          int label = best + 1;
          double edge = (d2 - d1) / 2; // distance to the Voronoi boundary
          double base = sites.get(best)[4];
          if (band > 0) {
            double db = Math.min(y - o.bandY + 0.5, o.bandY + o.bandHeight - 0.5 - y);
            if (db > 0) {
              label = band;
              base = 185;
              edge = db;
            } else {
              edge = Math.min(edge, -db);
            }
          }
          double v = base;
          if (edge < 1.5) {
            v = 55;
          } else if (edge < 2.5) {
            v = 55 + (base - 55) * (edge - 1.5);
          }
          truth[i] = label;
          img[i] = (byte) clamp(v + o.noise * r.nextGaussian());
        }
      }
    }
    if (o.mitoX >= 0) {
      for (int z = 0; z < nz; z++) {
        int cell = truth[o.mitoX + nx * (o.mitoY + ny * z)];
        for (int y = 0; y < ny; y++) {
          for (int x = 0; x < nx; x++) {
            int i = x + nx * (y + ny * z);
            if (truth[i] == cell && Math.hypot(x - o.mitoX, y - o.mitoY) < o.mitoRadius) {
              img[i] = (byte) clamp(95 + o.noise * r.nextGaussian());
            }
          }
        }
      }
    }
    if (o.hole != null) {
      for (int z = 0; z < nz; z++) {
        if (o.holeSection >= 0 && z != o.holeSection) {
          continue;
        }
        for (int y = o.hole[2]; y < o.hole[3]; y++) {
          for (int x = o.hole[0]; x < o.hole[1]; x++) {
            int i = x + nx * (y + ny * z);
            img[i] = 0;
            truth[i] = 0;
          }
        }
      }
    }
    // labels dense from 1 among the cells present
    int[] dense = new int[sites.size() + 3];
    int n = 0;
    for (int i = 0; i < truth.length; i++) {
      if (truth[i] != 0) {
        if (dense[truth[i]] == 0) {
          dense[truth[i]] = ++n;
        }
        truth[i] = dense[truth[i]];
      }
    }
    return new SyntheticTissue(nx, ny, nz, new ByteVolume(nx, ny, nz, 1, img), truth, n);
  }

  private static int clamp(double v) {
    long r = Math.round(v);
    return (int) Math.max(1, Math.min(255, r));
  }

  /**
   * Variation of information and Rand figures of {@code labels} against the truth (imaged voxels).
   */
  SegmentationMetrics.Result score(long[] labels) {
    SegmentationMetrics m = new SegmentationMetrics();
    m.addAll(labels, truth);
    return m.result();
  }

  /**
   * The same over the voxels at least {@code margin} px from the volume's sides in x and y. Cells
   * the volume's side cuts to slivers narrower than a seed (a few px) are left to their neighbours
   * by any segmentation that sees only this volume; in a run such slivers lie in a subvolume's
   * overlap, not its core.
   */
  SegmentationMetrics.Result scoreInside(long[] labels, int margin) {
    SegmentationMetrics m = new SegmentationMetrics();
    for (int z = 0; z < nz; z++) {
      for (int y = margin; y < ny - margin; y++) {
        for (int x = margin; x < nx - margin; x++) {
          int i = x + nx * (y + ny * z);
          if (truth[i] != 0) {
            m.add(labels[i], truth[i], 1);
          }
        }
      }
    }
    return m.result();
  }

  /**
   * For every cell with at least {@code minVoxels} voxels at least {@code margin} px inside, its
   * most frequent segment there and that segment's share of it; fails when two such cells share
   * their most frequent segment.
   */
  Map<Integer, Double> majorityShares(long[] labels, int margin, int minVoxels) {
    Map<Integer, Map<Long, Integer>> votes = new HashMap<>();
    for (int z = 0; z < nz; z++) {
      for (int y = margin; y < ny - margin; y++) {
        for (int x = margin; x < nx - margin; x++) {
          int i = x + nx * (y + ny * z);
          if (truth[i] != 0) {
            votes.computeIfAbsent(truth[i], k -> new HashMap<>()).merge(labels[i], 1, Integer::sum);
          }
        }
      }
    }
    Map<Integer, Double> out = new TreeMap<>();
    Map<Long, Integer> owner = new HashMap<>();
    for (var e : votes.entrySet()) {
      int total = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
      if (total < minVoxels) {
        continue;
      }
      var top = e.getValue().entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
      Integer other = owner.put(top.getKey(), e.getKey());
      if (other != null) {
        throw new AssertionError(
            "cells " + other + " and " + e.getKey() + " are both mostly segment " + top.getKey());
      }
      out.put(e.getKey(), top.getValue() / (double) total);
    }
    return out;
  }
}
