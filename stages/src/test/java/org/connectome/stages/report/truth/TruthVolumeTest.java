package org.connectome.stages.report.truth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.Image8;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.SimulatedRun;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smoke sample stitched, aligned and rendered; the truth mapped into the run's frame must show
 * the same tissue as the run's aligned volume, voxel for voxel.
 */
class TruthVolumeTest {
  @TempDir static Path dir;
  static SimulatedRun run;
  static TruthVolume truth;
  static PrecomputedVolume aligned;

  @BeforeAll
  static void alignSmokeSample() throws Exception {
    run = SimulatedRun.alignedSmokeWithLabels(dir);
    truth = TruthVolume.load(run.reportContext()).orElseThrow();
    aligned = PrecomputedVolume.open(RunVolumes.aligned(run.runDir));
  }

  @Test
  void aRunVoxelAndItsTruthPointShowTheSameTissue() throws Exception {
    for (int z = 0; z < truth.depth(); z++) {
      assertTrue(truth.hasPlane(z), "plane " + z);
      ByteVolume plane =
          aligned.readImage(
              0, new Box(new Vec3(0, 0, z), new Vec3(truth.width(), truth.height(), z + 1)));
      double[] tz = truth.toTruth(z, 0, 0);
      Image8 clean =
          Bmp.read8(
              run.sim
                  .groundTruth()
                  .resolve(String.format(Locale.ROOT, "images/z%04d.bmp", (int) tz[2])));
      double r = correlation(plane, clean, z, 0, 0);
      double shifted = correlation(plane, clean, z, 3, 0);
      assertTrue(r > 0.8, "plane " + z + ": correlation " + r);
      // the check can fail: three pixels off, the membranes no longer line up
      assertTrue(shifted < r - 0.1, "plane " + z + ": " + r + " vs shifted " + shifted);
    }
  }

  private static double correlation(
      ByteVolume plane, Image8 clean, int z, double shiftX, double shiftY) {
    double sa = 0;
    double sb = 0;
    double saa = 0;
    double sbb = 0;
    double sab = 0;
    long n = 0;
    for (int y = 8; y < truth.height() - 8; y += 2) {
      for (int x = 8; x < truth.width() - 8; x += 2) {
        if (!truth.covered(z, x, y)) {
          continue;
        }
        double[] t = truth.toTruth(z, x, y);
        long tx = Math.round(t[0] + shiftX);
        long ty = Math.round(t[1] + shiftY);
        if (tx < 0 || ty < 0 || tx >= clean.width() || ty >= clean.height()) {
          continue;
        }
        double a = plane.get(x, y, 0) & 0xff;
        double b = clean.pixels()[(int) (ty * clean.width() + tx)] & 0xff;
        sa += a;
        sb += b;
        saa += a * a;
        sbb += b * b;
        sab += a * b;
        n++;
      }
    }
    double cov = sab / n - sa / n * sb / n;
    return cov / Math.sqrt((saa / n - sa * sa / n / n) * (sbb / n - sb * sb / n / n));
  }

  @Test
  void fromTruthInvertsToTruth() {
    for (int z = 0; z < truth.depth(); z++) {
      for (double[] p :
          new double[][] {{10.5, 20.25}, {200, 150}, {truth.width() - 3, truth.height() - 7}}) {
        double[] t = truth.toTruth(z, p[0], p[1]);
        double[] back = truth.fromTruth(t[0], t[1], (int) t[2]);
        assertNotNull(back);
        assertEquals(p[0], back[0], 1e-6);
        assertEquals(p[1], back[1], 1e-6);
        assertEquals(z, (int) back[2]);
      }
    }
  }

  @Test
  void truthLabelsCoverTheImagedTissueWithTheSimulatedCells() throws Exception {
    int[] labels = truth.truthLabels(truth.depth() / 2);
    Set<Integer> cells = new HashSet<>();
    long covered = 0;
    long labelled = 0;
    for (int y = 0; y < truth.height(); y++) {
      for (int x = 0; x < truth.width(); x++) {
        int l = labels[y * truth.width() + x];
        if (truth.covered(truth.depth() / 2, x, y)) {
          covered++;
          if (l != 0) {
            labelled++;
            cells.add(l);
          }
        } else {
          assertEquals(0, l, "uncovered voxel " + x + "," + y + " labelled");
        }
      }
    }
    assertTrue(covered > 0.5 * truth.width() * truth.height(), "covered " + covered);
    assertTrue(labelled > 0.99 * covered, labelled + " of " + covered);
    assertTrue(cells.size() > 5, "cells " + cells);
  }
}
