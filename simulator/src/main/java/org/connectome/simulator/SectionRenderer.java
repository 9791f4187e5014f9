package org.connectome.simulator;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Renders one plane of the tissue: the label of every voxel and the noise-free EM image of the
 * section in the aligned frame (cytoplasm texture, dark membranes, mitochondria, synaptic clefts
 * and vesicles).
 *
 * <p>Finding the nearest cell of a pixel among thousands of skeleton segments is made cheap by a
 * quadtree over the plane: a block keeps only the segments that can be nearest or second-nearest
 * (within a margin) anywhere in it, bounded by the block's size, the warp's Lipschitz constant and
 * each segment's value at the block centre.
 */
final class SectionRenderer {
  private static final int ROOT = 256;
  private static final int LEAF = 8;
  private static final int BIN = 32;

  private final TissueModel t;
  private final double halfMembrane;

  SectionRenderer(TissueModel tissue, SimulationParams p) {
    this.t = tissue;
    this.halfMembrane = p.membraneThickness() / 2;
  }

  /** Per-section lists of features near the plane, binned in 32-px squares. */
  private static final class Bins {
    final int bx;
    final int by;
    final int[][] lists;
    final int[] fill;

    Bins(int width, int height) {
      bx = (width + BIN - 1) / BIN;
      by = (height + BIN - 1) / BIN;
      lists = new int[bx * by][];
      fill = new int[bx * by];
    }

    void add(int item, double x0, double y0, double x1, double y1) {
      int i0 = Math.max(0, (int) Math.floor(x0 / BIN));
      int i1 = Math.min(bx - 1, (int) Math.floor(x1 / BIN));
      int j0 = Math.max(0, (int) Math.floor(y0 / BIN));
      int j1 = Math.min(by - 1, (int) Math.floor(y1 / BIN));
      for (int j = j0; j <= j1; j++) {
        for (int i = i0; i <= i1; i++) {
          int c = j * bx + i;
          if (lists[c] == null) {
            lists[c] = new int[4];
          } else if (fill[c] == lists[c].length) {
            lists[c] = Arrays.copyOf(lists[c], lists[c].length * 2);
          }
          lists[c][fill[c]++] = item;
        }
      }
    }
  }

  /**
   * Renders plane {@code z}.
   *
   * @param image {@code width * height} bytes, row-major, filled with the noise-free section image
   * @param labels {@code width * height} ints, filled with cell ids
   */
  void render(int z, byte[] image, int[] labels, ForkJoinPool pool) throws InterruptedException {
    double pz = z * t.zScale;
    Bins mitoBins = new Bins(t.width, t.height);
    for (int i = 0; i < t.mitos.size(); i++) {
      TissueModel.Mito m = t.mitos.get(i);
      if (Math.abs(m.z() - pz) <= m.halfLength()) {
        mitoBins.add(
            i,
            m.x() - m.halfLength(),
            m.y() - m.halfLength(),
            m.x() + m.halfLength(),
            m.y() + m.halfLength());
      }
    }
    Bins synBins = new Bins(t.width, t.height);
    for (int i = 0; i < t.synapses.size(); i++) {
      TissueModel.Synapse s = t.synapses.get(i);
      double reach = s.radius() + 16;
      if (Math.abs(s.z() - pz) <= reach) {
        synBins.add(i, s.x() - reach, s.y() - reach, s.x() + reach, s.y() + reach);
      }
    }
    Bins vesBins = new Bins(t.width, t.height);
    for (int i = 0; i < t.vesicles.size(); i++) {
      TissueModel.Vesicle v = t.vesicles.get(i);
      if (Math.abs(v.z() - pz) < v.radius()) {
        double reach = v.radius() + 1.5;
        vesBins.add(i, v.x() - reach, v.y() - reach, v.x() + reach, v.y() + reach);
      }
    }
    int rootsX = (t.width + ROOT - 1) / ROOT;
    int rootsY = (t.height + ROOT - 1) / ROOT;
    int[] all = new int[t.segCount];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    Runnable work =
        () ->
            IntStream.range(0, rootsX * rootsY)
                .parallel()
                .forEach(
                    root -> {
                      int x0 = (root % rootsX) * ROOT;
                      int y0 = (root / rootsX) * ROOT;
                      Context c = new Context(z, pz, image, labels, mitoBins, synBins, vesBins);
                      block(c, x0, y0, ROOT, all, all.length);
                    });
    try {
      pool.submit(work).get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    }
    if (!t.look.classic()) {
      driftAndBlur(z, pz, image);
    }
  }

  /**
   * The realistic look's last touches over the whole section: a slow gain field and an offset per
   * section (the detector's drift), then the microscope's blur.
   */
  private void driftAndBlur(int z, double pz, byte[] image) {
    int w = t.width;
    int h = t.height;
    float[] a = new float[w * h];
    double drift = t.look.drift();
    double offset =
        drift * 60 * Rng.signedUnit(Rng.mix(t.grainSeed ^ (0x632BE59BD9B4E019L * (z + 1))));
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double gain = t.driftField == null ? 1 : 1 + drift * t.driftField.at(x, y, pz);
        a[y * w + x] = (float) ((image[y * w + x] & 0xff) * gain + offset);
      }
    }
    double sigma = t.look.blurSigma();
    if (sigma > 0) {
      int r = (int) Math.ceil(3 * sigma);
      double[] k = new double[r + 1];
      double sum = 0;
      for (int i = 0; i <= r; i++) {
        k[i] = Math.exp(-i * i / (2 * sigma * sigma));
        sum += i == 0 ? k[i] : 2 * k[i];
      }
      for (int i = 0; i <= r; i++) {
        k[i] /= sum;
      }
      float[] tmp = new float[w * h];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double v = 0;
          for (int d = -r; d <= r; d++) {
            int xx = Math.min(w - 1, Math.max(0, x + d));
            v += k[Math.abs(d)] * a[y * w + xx];
          }
          tmp[y * w + x] = (float) v;
        }
      }
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double v = 0;
          for (int d = -r; d <= r; d++) {
            int yy = Math.min(h - 1, Math.max(0, y + d));
            v += k[Math.abs(d)] * tmp[yy * w + x];
          }
          a[y * w + x] = (float) v;
        }
      }
    }
    for (int i = 0; i < a.length; i++) {
      int v = Math.round(a[i]);
      image[i] = (byte) (v < 1 ? 1 : (v > 255 ? 255 : v));
    }
  }

  private static final class Context {
    final int z;
    final double pz;
    final byte[] image;
    final int[] labels;
    final Bins mitos;
    final Bins synapses;
    final Bins vesicles;
    final double[] w = new double[3];

    Context(
        int z, double pz, byte[] image, int[] labels, Bins mitos, Bins synapses, Bins vesicles) {
      this.z = z;
      this.pz = pz;
      this.image = image;
      this.labels = labels;
      this.mitos = mitos;
      this.synapses = synapses;
      this.vesicles = vesicles;
    }
  }

  private void block(Context c, int x0, int y0, int size, int[] cand, int n) {
    int x1 = Math.min(t.width, x0 + size) - 1;
    int y1 = Math.min(t.height, y0 + size) - 1;
    if (x0 > x1 || y0 > y1) {
      return;
    }
    // keep the segments that can matter anywhere in the block
    double cx = 0.5 * (x0 + x1);
    double cy = 0.5 * (y0 + y1);
    double h = 0.5 * Math.hypot(x1 - x0, y1 - y0) * t.lipschitz;
    t.warp(cx, cy, c.pz, c.w);
    double[] values = new double[n];
    double min = Double.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      double v = t.segValue(cand[i], c.w[0], c.w[1], c.w[2]);
      values[i] = v;
      if (v < min) {
        min = v;
      }
    }
    double limit = min + 2 * h + TissueModel.SECOND_MARGIN;
    int[] keep = new int[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (values[i] <= limit) {
        keep[k++] = cand[i];
      }
    }
    if (size <= LEAF) {
      leaf(c, x0, y0, x1, y1, keep, k);
      return;
    }
    int half = size / 2;
    block(c, x0, y0, half, keep, k);
    block(c, x0 + half, y0, half, keep, k);
    block(c, x0, y0 + half, half, keep, k);
    block(c, x0 + half, y0 + half, half, keep, k);
  }

  private void leaf(Context c, int x0, int y0, int x1, int y1, int[] cand, int n) {
    double[] w = c.w;
    TissueModel.Sample s = new TissueModel.Sample();
    for (int y = y0; y <= y1; y++) {
      for (int x = x0; x <= x1; x++) {
        t.warp(x, y, c.pz, w);
        s.cell1 = 0;
        s.cell2 = 0;
        s.v1 = Double.MAX_VALUE;
        s.v2 = Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
          int seg = cand[i];
          TissueModel.offer(s, t.segCell[seg], t.segValue(seg, w[0], w[1], w[2]));
        }
        int idx = y * t.width + x;
        c.labels[idx] = s.cell1;
        double md = s.cell2 == 0 ? Double.MAX_VALUE : 0.5 * (s.v2 - s.v1);
        c.image[idx] = (byte) shade(c, x, y, s.cell1, s.cell2, md);
      }
    }
  }

  private int shade(Context c, int x, int y, int a, int b, double md) {
    double pz = c.pz;
    Appearance look = t.look;
    boolean classic = look.classic();
    double v =
        t.cellBase[a]
            + 13 * t.texCoarse.at(x, y, pz)
            + 7 * t.texFine.at(x, y, pz)
            + 5 * grain(x, y, c.z);
    if (!classic) {
      // two independent grids of dots, the second shifted by half a cube
      double dots = speckle(x, y, pz, a, 0) + speckle(x, y, pz, a, 2.75);
      v += 6 * grain(x + 1, y + 2, c.z) - look.speckleDepth() * Math.min(1, dots);
    }
    int bin = (y / BIN) * c.mitos.bx + x / BIN;

    int[] ml = c.mitos.lists[bin];
    for (int i = 0; i < c.mitos.fill[bin]; i++) {
      TissueModel.Mito m = t.mitos.get(ml[i]);
      if (m.cell() != a) {
        continue;
      }
      double dx = x - m.x();
      double dy = y - m.y();
      double dz = pz - m.z();
      double along = dx * m.ux() + dy * m.uy() + dz * m.uz();
      double across2 = dx * dx + dy * dy + dz * dz - along * along;
      double e =
          along * along / (m.halfLength() * m.halfLength()) + across2 / (m.radius() * m.radius());
      if (e < 1) {
        double toSurface = (1 - Math.sqrt(e)) * m.radius();
        double inner = (classic ? 98 : look.mitoGrey()) + 14 * Math.cos(2 * Math.PI * along / 6.5);
        double rim = Math.max(0, Math.min(1, 1 - (toSurface - 0.6) / 1.4));
        v =
            inner
                + ((classic ? 60 : look.mitoGrey() - 25) - inner) * rim
                + 0.3 * (v - t.cellBase[a]);
      }
    }

    double half = halfMembrane;
    double grey = 52;
    if (!classic && b != 0) {
      // every contact of two cells has a membrane of its own width and darkness, varying along it
      long pair = Rng.mix(t.grainSeed + 0x9E3779B97F4A7C15L * Math.min(a, b) + Math.max(a, b));
      half *= 1 + look.membraneWidthSpread() * Rng.signedUnit(pair);
      double u = 0.5 + 0.5 * Rng.signedUnit(Rng.mix(pair));
      grey =
          look.membraneGreyMin()
              + (look.membraneGreyMax() - look.membraneGreyMin()) * u
              + 12 * t.texCoarse.at(t.width - 1 - x, t.height - 1 - y, pz);
    }
    if (md < 5 * half) {
      double q = md / half;
      double m = 1 / (1 + q * q * q * q);
      v += (grey - v) * m;
    }

    if (b != 0 && md < 8) {
      int[] sl = c.synapses.lists[bin];
      for (int i = 0; i < c.synapses.fill[bin]; i++) {
        TissueModel.Synapse s = t.synapses.get(sl[i]);
        boolean pair = (a == s.pre() && b == s.post()) || (a == s.post() && b == s.pre());
        if (!pair) {
          continue;
        }
        double dx = x - s.x();
        double dy = y - s.y();
        double dz = pz - s.z();
        double dn = dx * s.nx() + dy * s.ny() + dz * s.nz();
        if (Math.abs(dn) > 14) {
          continue;
        }
        double lateral = Math.sqrt(Math.max(0, dx * dx + dy * dy + dz * dz - dn * dn));
        if (lateral >= s.radius()) {
          continue;
        }
        double weight = Math.min(1, (s.radius() - lateral) / 3);
        if (md < 1.8) {
          v += (26 - v) * weight; // the cleft: darkest band along the contact
        }
        if (a == s.post() && md < 6) {
          double psd = Math.min(1, (6 - md) / 2);
          v += (46 - v) * weight * psd; // post-synaptic density: a thick dark band on the post side
        }
        if (a == s.pre() && md < 3) {
          v += (60 - v) * weight * 0.6;
        }
      }
    }

    int[] vl = c.vesicles.lists[bin];
    for (int i = 0; i < c.vesicles.fill[bin]; i++) {
      TissueModel.Vesicle ves = t.vesicles.get(vl[i]);
      if (ves.cell() != a) {
        continue;
      }
      double dz = pz - ves.z();
      double rc2 = ves.radius() * ves.radius() - dz * dz;
      if (rc2 <= 0) {
        continue;
      }
      double rc = Math.sqrt(rc2);
      double d = Math.hypot(x - ves.x(), y - ves.y());
      if (d < rc + 1) {
        double ring = Math.max(0, 1 - Math.abs(d - rc) / 0.9);
        if (d < rc - 0.6) {
          v += 8; // light lumen
        }
        v += (62 - v) * ring * 0.9;
      }
    }
    int out = (int) Math.round(v);
    return out < 0 ? 0 : (out > 255 ? 255 : out);
  }

  /**
   * Dark speckle of cell {@code a}'s cytoplasm at physical point (x, y, pz): at most one dot per 5
   * px cube of a jittered 3D grid, present with a probability from the look's density and the
   * cell's, of radius 1.2 to 2.2 px; 1 at a dot's centre, 0 outside dots.
   */
  private double speckle(int x, int y, double pz, int a, double shift) {
    double s = 5.5;
    double px = x + shift;
    double py = y + shift;
    double qz = pz + shift;
    int ix = (int) Math.floor(px / s);
    int iy = (int) Math.floor(py / s);
    int iz = (int) Math.floor(qz / s);
    long h =
        Rng.mix(
            (t.grainSeed + (long) (shift * 1000))
                ^ (ix * 0xC2B2AE3D27D4EB4FL + iy * 0x165667B19E3779F9L + iz * 0x27D4EB2F165667C5L));
    double present = 0.5 + 0.5 * Rng.signedUnit(h);
    if (present > 0.5 * t.look.speckle() * t.cellSpeckle[a]) {
      return 0;
    }
    long h2 = Rng.mix(h);
    long h3 = Rng.mix(h2);
    double r = 1.5 + 0.5 * Rng.signedUnit(h3);
    double room = Math.max(0, s - 2 * r);
    double cx = ix * s + r + room * (0.5 + 0.5 * Rng.signedUnit(h2));
    double cy = iy * s + r + room * (0.5 + 0.5 * Rng.signedUnit(Rng.mix(h3)));
    double cz = iz * s + r + room * (0.5 + 0.5 * Rng.signedUnit(Rng.mix(h2 ^ h3)));
    double d2 = ((px - cx) * (px - cx) + (py - cy) * (py - cy) + (qz - cz) * (qz - cz)) / (r * r);
    return d2 >= 1 ? 0 : 1 - d2;
  }

  /** Fine grain: 2D value noise of spacing 3 px, independent per section. */
  private double grain(int x, int y, int z) {
    int ix = x / 3;
    int iy = y / 3;
    double fx = (x - ix * 3) / 3.0;
    double fy = (y - iy * 3) / 3.0;
    long base = t.grainSeed + z * 0x9E3779B97F4A7C15L;
    double v00 =
        Rng.signedUnit(Rng.mix(base + ix * 0xC2B2AE3D27D4EB4FL + iy * 0x165667B19E3779F9L));
    double v10 =
        Rng.signedUnit(Rng.mix(base + (ix + 1) * 0xC2B2AE3D27D4EB4FL + iy * 0x165667B19E3779F9L));
    double v01 =
        Rng.signedUnit(Rng.mix(base + ix * 0xC2B2AE3D27D4EB4FL + (iy + 1) * 0x165667B19E3779F9L));
    double v11 =
        Rng.signedUnit(
            Rng.mix(base + (ix + 1) * 0xC2B2AE3D27D4EB4FL + (iy + 1) * 0x165667B19E3779F9L));
    double a = v00 + fx * (v10 - v00);
    double b = v01 + fx * (v11 - v01);
    return a + fy * (b - a);
  }
}
