package org.connectome.stages.synapses;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;

/**
 * Test tissue with known synapses: rectangular cells (columns of {@code cellW} voxels, rows of
 * {@code cellH}) with uint64 ids above 2^40, light cytoplasm, thin dark membranes on the cell
 * borders, and synapses on vertical borders: a cleft disc of radius {@code radius} (px; sections
 * are {@link #Z_SCALE} px thick) drawn as a dark band 2 px into the pre-synaptic cell and 4 px into
 * the post-synaptic one (the post-synaptic density), with a cluster of vesicles (dark rings, light
 * lumen) in the pre-synaptic cell. Decoys: a thick band as dark as membranes (not a cleft) and a
 * mitochondrion (dark rim, grey inside). Gaussian noise on top.
 */
final class SyntheticTissue {
  static final double Z_SCALE = 33.0 / 8.0;
  static final int MEMBRANE = 60;
  static final int CLEFT = 38;

  /**
   * A synapse to draw: on the vertical border {@code border} (x = border * cellW, between columns
   * border - 1 and border), centred at {@code y} in section {@code z}.
   */
  record Spec(int border, double y, int z, boolean preOnLeft, double radius, int vesicles) {}

  /** A drawn synapse: its cleft centre (voxels), pre and post cell ids. */
  record Synapse(double x, double y, int z, long pre, long post) {}

  final int nx;
  final int ny;
  final int nz;
  final int cellW;
  final int cellH;
  final ByteVolume image;
  final LabelVolume labels;
  final List<Synapse> synapses = new ArrayList<>();

  private SyntheticTissue(int nx, int ny, int nz, int cellW, int cellH) {
    this.nx = nx;
    this.ny = ny;
    this.nz = nz;
    this.cellW = cellW;
    this.cellH = cellH;
    this.image = new ByteVolume(nx, ny, nz);
    this.labels = new LabelVolume(nx, ny, nz);
  }

  long cell(int x, int y) {
    return (1L << 40) + 1000L * (x / cellW) + y / cellH + 1;
  }

  static SyntheticTissue build(
      int nx, int ny, int nz, int cellW, int cellH, List<Spec> specs, boolean decoys, long seed) {
    SyntheticTissue t = new SyntheticTissue(nx, ny, nz, cellW, cellH);
    double[] v = new double[nx * ny * nz];
    SplittableRandom r = new SplittableRandom(seed);
    for (int z = 0; z < nz; z++) {
      for (int y = 0; y < ny; y++) {
        for (int x = 0; x < nx; x++) {
          long c = t.cell(x, y);
          t.labels.set(x, y, z, c);
          double base = 150 + (c * 7919 % 40);
          // distance to the nearest cell border (borders lie half way between two columns or rows
          // of voxels)
          double bx = Math.abs(((x + 0.5) % cellW + cellW) % cellW);
          double by = Math.abs(((y + 0.5) % cellH + cellH) % cellH);
          double md = Math.min(Math.min(bx, cellW - bx), Math.min(by, cellH - by));
          double q = md / 1.5;
          v[(z * ny + y) * nx + x] = base + (MEMBRANE - base) / (1 + q * q * q * q);
        }
      }
    }
    for (Spec s : specs) {
      t.drawSynapse(v, s, r);
    }
    if (decoys) {
      t.drawDecoys(v);
    }
    for (int i = 0; i < v.length; i++) {
      int g = (int) Math.round(v[i] + 4 * r.nextGaussian());
      t.image.data()[i] = (byte) Math.max(8, Math.min(255, g));
    }
    return t;
  }

  private void drawSynapse(double[] v, Spec s, SplittableRandom r) {
    double bx = s.border() * cellW;
    int left = (int) bx - 1;
    long leftCell = cell(left, (int) s.y());
    long rightCell = cell((int) bx, (int) s.y());
    long pre = s.preOnLeft() ? leftCell : rightCell;
    long post = s.preOnLeft() ? rightCell : leftCell;
    // + into the post-synaptic cell
    double sign = s.preOnLeft() ? 1 : -1;
    synapses.add(new Synapse(bx - 0.5, s.y(), s.z(), pre, post));
    for (int z = 0; z < nz; z++) {
      double dz = (z - s.z()) * Z_SCALE;
      for (int y = 0; y < ny; y++) {
        double lateral = Math.hypot(y - s.y(), dz);
        if (lateral >= s.radius()) {
          continue;
        }
        double weight = Math.min(1, (s.radius() - lateral) / 3);
        for (int x = Math.max(0, (int) bx - 10); x < Math.min(nx, (int) bx + 10); x++) {
          double into = (x - (bx - 0.5)) * sign;
          double darken = into >= -2 && into <= 4 ? 1 : (into > 4 && into < 6 ? (6 - into) / 2 : 0);
          int i = (z * ny + y) * nx + x;
          v[i] += (CLEFT - v[i]) * weight * darken;
        }
      }
    }
    // vesicles: dark rings of radius 2.2 to 3 px with a light lumen, 6 to 20 px into the
    // pre-synaptic cell
    for (int k = 0; k < s.vesicles(); k++) {
      double depth = 7 + r.nextDouble() * 13;
      double vx = bx - 0.5 - sign * depth;
      double vy = s.y() + (r.nextDouble() * 2 - 1) * 0.7 * s.radius();
      double vz = s.z() + (r.nextDouble() * 2 - 1) * 0.5 * s.radius() / Z_SCALE;
      double rv = 2.2 + r.nextDouble() * 0.8;
      for (int z = 0; z < nz; z++) {
        double dzp = (z - vz) * Z_SCALE;
        double rc2 = rv * rv - dzp * dzp;
        if (rc2 <= 0) {
          continue;
        }
        double rc = Math.sqrt(rc2);
        for (int y = (int) vy - 5; y <= (int) vy + 5; y++) {
          for (int x = (int) vx - 5; x <= (int) vx + 5; x++) {
            if (x < 0 || y < 0 || x >= nx || y >= ny) {
              continue;
            }
            double d = Math.hypot(x - vx, y - vy);
            int i = (z * ny + y) * nx + x;
            if (d < rc - 0.6) {
              v[i] += 8;
            }
            double ring = Math.max(0, 1 - Math.abs(d - rc) / 0.9);
            v[i] += (62 - v[i]) * ring * 0.9;
          }
        }
      }
    }
  }

  /** A thick band as dark as a membrane on a horizontal border, and a mitochondrion. */
  private void drawDecoys(double[] v) {
    int y0 = cellH;
    for (int z = 0; z < nz; z++) {
      for (int y = y0 - 4; y < y0 + 4; y++) {
        for (int x = 10; x < Math.min(nx, 10 + cellW / 2); x++) {
          v[(z * ny + y) * nx + x] = MEMBRANE;
        }
      }
      // the mitochondrion: an ellipse with a dark rim and a grey inside, in the cell at the origin
      double cx = cellW / 2.0;
      double cy = cellH / 2.0;
      for (int y = 0; y < Math.min(ny, cellH); y++) {
        for (int x = 0; x < Math.min(nx, cellW); x++) {
          double e = Math.pow((x - cx) / 12, 2) + Math.pow((y - cy) / 6, 2);
          if (e < 1) {
            double toSurface = (1 - Math.sqrt(e)) * 6;
            double rim = Math.max(0, Math.min(1, 1 - (toSurface - 0.6) / 1.4));
            v[(z * ny + y) * nx + x] = 98 + (60 - 98) * rim;
          }
        }
      }
    }
  }

  /**
   * Writes the image as {@code volumes/aligned/} and the cells as {@code volumes/segmentation/} of
   * a run.
   */
  void writeRun(java.nio.file.Path runDir, int[] chunk) throws java.io.IOException {
    long[] size = {nx, ny, nz};
    Box all = new Box(new Vec3(0, 0, 0), new Vec3(nx, ny, nz));
    PrecomputedVolume.create(
            RunVolumes.aligned(runDir),
            VolumeInfo.of(
                VolumeInfo.IMAGE,
                DataType.UINT8,
                1,
                List.of(
                    VolumeInfo.Scale.of(size, new double[] {8, 8, 33}, chunk, Encoding.RAW, null))))
        .writeImage(0, all, image);
    PrecomputedVolume.create(
            RunVolumes.segmentation(runDir),
            VolumeInfo.of(
                VolumeInfo.SEGMENTATION,
                DataType.UINT64,
                1,
                List.of(
                    VolumeInfo.Scale.of(size, new double[] {8, 8, 33}, chunk, Encoding.RAW, null))))
        .writeLabels(0, all, labels);
  }
}
