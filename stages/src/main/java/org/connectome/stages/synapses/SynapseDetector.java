package org.connectome.stages.synapses;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.pipeline.Box;
import org.connectome.stages.image.EuclideanDistance;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.LabelVolume;

/**
 * The reference synapse detector: finds synaptic clefts in a region of the aligned image and gives
 * each its pre- and post-synaptic segments from the global segmentation.
 *
 * <p>What it looks for, as the simulator (and EM of stained tissue) shows a chemical synapse: at a
 * contact of two cells, the cleft with the post-synaptic density is a dark band several pixels
 * thick and a few sections deep, darker than membranes, which are thin dark lines; the pre-synaptic
 * side holds a cluster of vesicles, small dark rings with a light lumen.
 *
 * <ol>
 *   <li>Per section: smooth (Gaussian) and take the dark mask below a level between the membrane
 *       cores and the cytoplasm ({@link GreyLevels}, measured on whole tiles of a fixed grid).
 *   <li>Cleft voxels lie at least {@code coreRadius} inside the dark mask (a Euclidean distance
 *       transform per section) and are {@code cleftMargin} darker than the thin membranes of their
 *       tile: thick dark bands, not membranes, and not a membrane cut obliquely by the section
 *       (thick, but only as dark as a membrane).
 *   <li>Every darkness threshold is a fraction of the tile's contrast ({@link GreyLevels#contrast}:
 *       cytoplasm above thin membranes), so the detector follows the stain, the detector's gain and
 *       the brightness drift of real EM, not the grey levels of the images it was tuned on.
 *   <li>Cleft voxels connect in 3D (26-neighbourhood, and across a section without data); pieces
 *       close together are one site (a missing tile or a thin section can cut a cleft).
 *   <li>A site needs {@code minVoxels} and a median at least {@code minContrast} (of the contrast)
 *       darker than the thin membranes.
 *   <li>Position: the section is the area-weighted mean of the cleft's sections (a cleft disc is
 *       deepest in its middle section), or the section of largest area when the cleft touches the
 *       end of the data; x and y are the cleft's centroid in that section.
 *   <li>Pre and post: the two segments most present around the cleft; vesicles (ring detector) vote
 *       for the segment they lie in, the side with more is pre-synaptic. Without vesicles the side
 *       holding more of the dark band is post-synaptic (the post-synaptic density).
 * </ol>
 *
 * <p>The result for a site depends only on the voxels near it, so two overlapping blocks that both
 * see a site whole give it the same position, and the block whose core holds that position reports
 * it.
 */
public final class SynapseDetector {
  private static final int HIST = 1024;
  private static final double HIST_SCALE = 4.0;

  /**
   * A vesicle's lumen is at most this much (of the tile's contrast) darker than its surround; a
   * mitochondrion's grey inside is darker.
   */
  private static final double LUMEN = 0.22;

  private final DetectParams p;

  public SynapseDetector(DetectParams params) {
    this.p = params;
  }

  /**
   * Detects sites in a region.
   *
   * @param region the region's box in the aligned volume (voxels)
   * @param image the aligned image of the region
   * @param labels the segmentation of the region, or null (sites then have no pre and post)
   * @param volumeDepth sections of the whole volume (a cleft touching its first or last section is
   *     cut)
   * @param levels membrane and cytoplasm levels covering the region
   * @return every site of the region, positions in volume voxels; callers keep those in their core
   */
  public List<Site> detect(
      Box region, ByteVolume image, LabelVolume labels, long volumeDepth, GreyLevels levels)
      throws InterruptedException {
    return new Pass(region, image, labels, volumeDepth, levels).run();
  }

  /** The state of one detection over one region. */
  private final class Pass {
    final Box region;
    final ByteVolume image;
    final LabelVolume labels;
    final long volumeDepth;
    final int nx;
    final int ny;
    final int nz;
    final int plane;
    final byte[] img;
    final float[] smooth;
    final boolean[] invalid;
    final boolean[] nearInvalid;
    final boolean[] invalidWithin7;
    final GreyLevels levels;
    final Rings rings;

    Pass(Box region, ByteVolume image, LabelVolume labels, long volumeDepth, GreyLevels levels) {
      this.region = region;
      this.image = image;
      this.labels = labels;
      this.volumeDepth = volumeDepth;
      nx = image.sx();
      ny = image.sy();
      nz = image.sz();
      plane = nx * ny;
      img = image.data();
      smooth = new float[img.length];
      invalid = new boolean[img.length];
      nearInvalid = new boolean[img.length];
      invalidWithin7 = new boolean[img.length];
      this.levels = levels;
      rings = new Rings(nx);
      if (labels != null && (labels.sx() != nx || labels.sy() != ny || labels.sz() != nz)) {
        throw new IllegalArgumentException(
            "segmentation of "
                + labels.sx()
                + "x"
                + labels.sy()
                + "x"
                + labels.sz()
                + " for an image of "
                + nx
                + "x"
                + ny
                + "x"
                + nz);
      }
    }

    List<Site> run() throws InterruptedException {
      if (!markInvalid()) {
        return List.of();
      }
      for (int z = 0; z < nz; z++) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        smoothPlane(z);
        // the smoothing reaches 3 sigma: stay that far from missing data (rendered black)
        dilate(invalid, nearInvalid, z, Math.max(1, (int) Math.ceil(3 * p.smoothing())));
        // the vesicle ring detector reaches 6.5 px
        dilate(invalid, invalidWithin7, z, 7);
      }
      boolean[] cleft = cleftVoxels();
      List<Piece> pieces = connect(cleft);
      List<Piece> sites = merge(pieces);
      List<Site> out = new ArrayList<>();
      for (Piece s : sites) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        Site site = describe(s);
        if (site != null) {
          out.add(site);
        }
      }
      out.sort(
          Comparator.comparingInt(Site::z)
              .thenComparingDouble(Site::y)
              .thenComparingDouble(Site::x));
      return out;
    }

    /** Marks the voxels without data; false when the region has (almost) no data. */
    boolean markInvalid() {
      long valid = 0;
      for (int i = 0; i < img.length; i++) {
        if ((img[i] & 0xff) < p.minValid()) {
          invalid[i] = true;
        } else {
          valid++;
        }
      }
      return valid >= 1000;
    }

    void smoothPlane(int z) {
      float[] out = new float[plane];
      Smoothing.gaussian(img, z * plane, nx, ny, p.smoothing(), out);
      System.arraycopy(out, 0, smooth, z * plane, plane);
    }

    /** Square dilation of {@code src} by {@code r} in plane {@code z} into {@code dst}. */
    void dilate(boolean[] src, boolean[] dst, int z, int r) {
      int base = z * plane;
      int[] lastX = new int[plane];
      for (int y = 0; y < ny; y++) {
        int last = Integer.MIN_VALUE / 2;
        for (int x = 0; x < nx; x++) {
          if (src[base + y * nx + x]) {
            last = x;
          }
          lastX[y * nx + x] = last;
        }
        int next = Integer.MAX_VALUE / 2;
        for (int x = nx - 1; x >= 0; x--) {
          if (src[base + y * nx + x]) {
            next = x;
          }
          // distance along x to the nearest set voxel of the row
          lastX[y * nx + x] = Math.min(x - lastX[y * nx + x], next - x);
        }
      }
      for (int x = 0; x < nx; x++) {
        int last = Integer.MIN_VALUE / 2;
        boolean[] rowNear = new boolean[ny];
        for (int y = 0; y < ny; y++) {
          if (lastX[y * nx + x] <= r) {
            last = y;
          }
          rowNear[y] = y - last <= r;
        }
        int next = Integer.MAX_VALUE / 2;
        for (int y = ny - 1; y >= 0; y--) {
          if (lastX[y * nx + x] <= r) {
            next = y;
          }
          dst[base + y * nx + x] = rowNear[y] || next - y <= r;
        }
      }
    }

    /** Voxels deep inside the dark mask and darker than membranes. */
    boolean[] cleftVoxels() throws InterruptedException {
      boolean[] cleft = new boolean[img.length];
      float[] f = new float[plane];
      float[] deep = new float[plane];
      double r2 = p.coreRadius() * p.coreRadius();
      for (int z = 0; z < nz; z++) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        int base = z * plane;
        long gz = region.start().z() + z;
        boolean any = false;
        for (int y = 0; y < ny; y++) {
          long gy = region.start().y() + y;
          for (int x = 0; x < nx; x++) {
            long gx = region.start().x() + x;
            // levels are constant over a tile: look them up once per run of voxels in it
            double dk = levels.dark(gx, gy, gz);
            double t = dk + p.darkFraction() * (levels.bright(gx, gy, gz) - dk);
            int i = y * nx + x;
            boolean in = smooth[base + i] < t && !nearInvalid[base + i];
            f[i] = in ? Float.MAX_VALUE : 0;
            deep[i] =
                (float)
                    (levels.membrane(gx, gy, gz) - p.cleftMargin() * levels.contrast(gx, gy, gz));
            any |= in;
          }
        }
        if (!any) {
          continue;
        }
        EuclideanDistance.squared(f, nx, ny);
        for (int i = 0; i < plane; i++) {
          // NaN levels (a tile with little data) compare false: no cleft there
          if (f[i] >= r2 && smooth[base + i] <= deep[i]) {
            cleft[base + i] = true;
          }
        }
      }
      return cleft;
    }

    /**
     * Connected pieces of cleft voxels (26-neighbourhood; a section without data in between also
     * connects).
     */
    List<Piece> connect(boolean[] cleft) {
      boolean[] set = cleft.clone();
      for (int z = 1; z < nz - 1; z++) {
        for (int i = z * plane; i < (z + 1) * plane; i++) {
          if (invalid[i] && cleft[i - plane] && cleft[i + plane]) {
            set[i] = true;
          }
        }
      }
      UnionFind uf = new UnionFind(img.length);
      for (int z = 0; z < nz; z++) {
        for (int y = 0; y < ny; y++) {
          for (int x = 0; x < nx; x++) {
            int i = z * plane + y * nx + x;
            if (!set[i]) {
              continue;
            }
            for (int dz = -1; dz <= 0; dz++) {
              for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                  if (dz == 0 && (dy > 0 || (dy == 0 && dx >= 0))) {
                    continue;
                  }
                  int xx = x + dx;
                  int yy = y + dy;
                  int zz = z + dz;
                  if (xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny) {
                    continue;
                  }
                  int j = zz * plane + yy * nx + xx;
                  if (set[j]) {
                    uf.union(i, j);
                  }
                }
              }
            }
          }
        }
      }
      Map<Integer, Piece> byRoot = new LinkedHashMap<>();
      for (int i = 0; i < img.length; i++) {
        if (cleft[i]) {
          byRoot.computeIfAbsent(uf.find(i), k -> new Piece(nz)).add(i, nx, plane, smooth[i]);
        }
      }
      return new ArrayList<>(byRoot.values());
    }

    /** Pieces close in the plane and a few sections apart at most are one site. */
    List<Piece> merge(List<Piece> pieces) {
      List<Piece> big = pieces.stream().filter(q -> q.count >= 3).toList();
      UnionFind uf = new UnionFind(big.size());
      double d2 = p.mergeDistance() * p.mergeDistance();
      for (int a = 0; a < big.size(); a++) {
        for (int b = a + 1; b < big.size(); b++) {
          Piece pa = big.get(a);
          Piece pb = big.get(b);
          int gap = Math.max(pa.zmin, pb.zmin) - Math.min(pa.zmax, pb.zmax);
          double dx = pa.cx() - pb.cx();
          double dy = pa.cy() - pb.cy();
          if (gap <= p.mergeGap() && dx * dx + dy * dy <= d2) {
            uf.union(a, b);
          }
        }
      }
      Map<Integer, Piece> groups = new LinkedHashMap<>();
      for (int a = 0; a < big.size(); a++) {
        Piece g = groups.computeIfAbsent(uf.find(a), k -> new Piece(nz));
        g.absorb(big.get(a));
      }
      return new ArrayList<>(groups.values());
    }

    /** The site a cleft is, or null when it is too small or not dark enough. */
    Site describe(Piece c) {
      if (c.count < p.minVoxels()) {
        return null;
      }
      // how much darker than the thin membranes of its tiles the cleft is, in grey levels and as a
      // fraction of the tiles' contrast
      double darkRef = 0;
      double scale = 0;
      for (int j = 0; j < c.count; j++) {
        int i = c.voxels[j];
        long gx = region.start().x() + i % nx;
        long gy = region.start().y() + (i % plane) / nx;
        long gz = region.start().z() + i / plane;
        darkRef += levels.membrane(gx, gy, gz);
        scale += levels.contrast(gx, gy, gz);
      }
      darkRef /= c.count;
      scale /= c.count;
      double contrast = darkRef - c.median();
      double relative = contrast / scale;
      // NaN (no levels) fails too
      if (!(relative >= p.minContrast())) {
        return null;
      }
      int z = section(c);
      double x = c.sumX[z] / c.area[z];
      double y = c.sumY[z] / c.area[z];
      long pre = 0;
      long post = 0;
      int preVes = 0;
      int postVes = 0;
      List<int[]> vesicles = vesicles(c);
      // where the pre-synaptic side lies from the cleft: the vesicles that vote for it
      double towardX = 0;
      double towardY = 0;
      if (labels != null) {
        long[] sides = sides(c);
        if (sides[0] != 0) {
          long a = sides[0];
          long b = sides[1];
          long[] voteOf = new long[vesicles.size()];
          int va = 0;
          int vb = 0;
          for (int k = 0; k < vesicles.size(); k++) {
            long l = vesicleSegment(vesicles.get(k), a, b);
            voteOf[k] = l;
            if (l == a) {
              va++;
            } else if (l == b && b != 0) {
              vb++;
            }
          }
          boolean aIsPre;
          if (va != vb || b == 0) {
            aIsPre = va >= vb;
          } else {
            // no vesicle says: the post-synaptic density puts more of the dark band on the post
            // side
            aIsPre = c.labelCount(labels.data(), a) < c.labelCount(labels.data(), b);
          }
          pre = aIsPre ? a : b;
          post = aIsPre ? b : a;
          preVes = aIsPre ? va : vb;
          postVes = aIsPre ? vb : va;
          for (int k = 0; k < vesicles.size(); k++) {
            if (voteOf[k] == pre) {
              towardX += vesicles.get(k)[0] - x;
              towardY += vesicles.get(k)[1] - y;
            }
          }
        }
      } else {
        preVes = vesicles.size();
        for (int[] v : vesicles) {
          towardX += v[0] - x;
          towardY += v[1] - y;
        }
      }
      // the cleft is the pre-synaptic edge of the dark band (the post-synaptic density thickens the
      // band on the
      // other side): move across the band towards the vesicles
      double[] across = c.minorAxis(z, nx, plane);
      double side = across[0] * towardX + across[1] * towardY;
      if (side != 0 && p.cleftShift() != 0) {
        x += Math.signum(side) * p.cleftShift() * across[0];
        y += Math.signum(side) * p.cleftShift() * across[1];
      }
      double score =
          0.5 * Math.min(1, Math.max(0, relative) / (2 * Math.max(0.01, p.minContrast())))
              + 0.5 * Math.min(1, preVes / 6.0);
      return new Site(
          region.start().x() + x,
          region.start().y() + y,
          (int) (region.start().z() + z),
          Math.round(score * 1000) / 1000.0,
          pre,
          post,
          c.count,
          Math.round(contrast * 100) / 100.0,
          preVes,
          postVes);
    }

    /** The section of a site (local index). */
    int section(Piece c) {
      long gz0 = region.start().z() + c.zmin;
      long gz1 = region.start().z() + c.zmax;
      boolean cut =
          gz0 == 0
              || gz1 == volumeDepth - 1
              || (c.zmin == 0 && gz0 > 0)
              || (c.zmax == nz - 1 && gz1 < volumeDepth - 1);
      int best;
      if (!cut) {
        double m = 0;
        for (int z = c.zmin; z <= c.zmax; z++) {
          m += z * (double) c.area[z];
        }
        best = (int) Math.round(m / c.count);
      } else {
        // the cleft goes on beyond the data: its largest section is the best guess of its middle
        best = c.zmin;
        double bestA = -1;
        for (int z = c.zmin; z <= c.zmax; z++) {
          double a =
              2.0 * c.area[z] + (z > c.zmin ? c.area[z - 1] : 0) + (z < c.zmax ? c.area[z + 1] : 0);
          if (a > bestA) {
            bestA = a;
            best = z;
          }
        }
      }
      if (c.area[best] == 0) {
        // a section without cleft voxels in the middle (missing data): the nearest one with some
        for (int d = 1; d <= nz; d++) {
          if (best - d >= c.zmin && c.area[best - d] > 0) {
            return best - d;
          }
          if (best + d <= c.zmax && c.area[best + d] > 0) {
            return best + d;
          }
        }
      }
      return best;
    }

    /**
     * The two segments most present within 6 px of the cleft (0 when fewer), the first the more
     * present.
     */
    long[] sides(Piece c) {
      int band = 6;
      Map<Long, Integer> counts = new HashMap<>();
      long[] lab = labels.data();
      for (int z = c.zmin; z <= c.zmax; z++) {
        if (c.area[z] == 0) {
          continue;
        }
        int x0 = Math.max(0, c.xmin - band);
        int x1 = Math.min(nx - 1, c.xmax + band);
        int y0 = Math.max(0, c.ymin - band);
        int y1 = Math.min(ny - 1, c.ymax + band);
        int w = x1 - x0 + 1;
        int h = y1 - y0 + 1;
        boolean[] m = new boolean[w * h];
        for (int i : c.voxelsOf(z, plane)) {
          int x = i % nx;
          int y = (i / nx) % ny;
          m[(y - y0) * w + (x - x0)] = true;
        }
        boolean[] near = dilateLocal(m, w, h, band);
        for (int yy = 0; yy < h; yy++) {
          for (int xx = 0; xx < w; xx++) {
            if (near[yy * w + xx]) {
              long l = lab[z * plane + (y0 + yy) * nx + (x0 + xx)];
              if (l != 0) {
                counts.merge(l, 1, Integer::sum);
              }
            }
          }
        }
      }
      List<Map.Entry<Long, Integer>> e = new ArrayList<>(counts.entrySet());
      e.sort(
          Map.Entry.<Long, Integer>comparingByValue()
              .reversed()
              .thenComparing(Map.Entry.comparingByKey(Long::compareUnsigned)));
      long a = e.isEmpty() ? 0 : e.get(0).getKey();
      // a second segment that barely touches the band is noise, not the other side of a contact
      long b =
          e.size() < 2 || e.get(1).getValue() * 10 < e.get(0).getValue() ? 0 : e.get(1).getKey();
      return new long[] {a, b};
    }

    /**
     * The segment of a vesicle: where it lies, else the most frequent of a, b around it; 0 when
     * neither.
     */
    long vesicleSegment(int[] v, long a, long b) {
      long[] lab = labels.data();
      int z = v[2];
      long at = lab[z * plane + v[1] * nx + v[0]];
      if (at == a || (at == b && b != 0)) {
        return at;
      }
      int na = 0;
      int nb = 0;
      for (int dy = -3; dy <= 3; dy++) {
        for (int dx = -3; dx <= 3; dx++) {
          int x = v[0] + dx;
          int y = v[1] + dy;
          if (x < 0 || y < 0 || x >= nx || y >= ny) {
            continue;
          }
          long l = lab[z * plane + y * nx + x];
          if (l == a) {
            na++;
          } else if (l == b && b != 0) {
            nb++;
          }
        }
      }
      return na == 0 && nb == 0 ? 0 : (na >= nb ? a : b);
    }

    /**
     * Vesicles near a cleft: local maxima of a ring contrast (centre and surround light, a ring of
     * radius 1.8 to 3.4 px dark) within {@code vesicleReach} of the cleft, in its sections and one
     * beyond; {x, y, z} local.
     */
    List<int[]> vesicles(Piece c) {
      int reach = (int) Math.ceil(p.vesicleReach());
      int x0 = Math.max(7, c.xmin - reach);
      int x1 = Math.min(nx - 8, c.xmax + reach);
      int y0 = Math.max(7, c.ymin - reach);
      int y1 = Math.min(ny - 8, c.ymax + reach);
      List<int[]> out = new ArrayList<>();
      if (x0 > x1 || y0 > y1) {
        return out;
      }
      int w = x1 - x0 + 1;
      int h = y1 - y0 + 1;
      double reach2 = p.vesicleReach() * p.vesicleReach();
      for (int z = Math.max(0, c.zmin - 1); z <= Math.min(nz - 1, c.zmax + 1); z++) {
        float[] resp = new float[w * h];
        for (int y = y0; y <= y1; y++) {
          for (int x = x0; x <= x1; x++) {
            int i = z * plane + y * nx + x;
            if (invalidWithin7[i]) {
              continue;
            }
            double centre = Rings.mean(img, i, rings.centre);
            double ring = Rings.mean(img, i, rings.ring);
            double outer = Rings.mean(img, i, rings.outer);
            double r = centre + outer - 2 * ring;
            double unit =
                levels.contrast(
                    region.start().x() + x, region.start().y() + y, region.start().z() + z);
            // a light lumen (not a mitochondrion's grey inside) and a ring darker than the surround
            // all round: a membrane passing by darkens one or two of the ring's eight sectors, a
            // vesicle all of them (NaN levels compare false: no vesicle)
            if (r >= p.vesicleContrast() * unit
                && centre > outer - LUMEN * unit
                && rings.lightestSector(img, i) < outer - p.vesicleRing() * unit) {
              resp[(y - y0) * w + (x - x0)] = (float) r;
            }
          }
        }
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            float r = resp[y * w + x];
            if (r <= 0 || !localMax(resp, w, h, x, y)) {
              continue;
            }
            int gx = x0 + x;
            int gy = y0 + y;
            if (c.nearestSquared(gx, gy, z, nx, plane) <= reach2) {
              out.add(new int[] {gx, gy, z});
            }
          }
        }
      }
      return out;
    }
  }

  private static boolean localMax(float[] r, int w, int h, int x, int y) {
    float v = r[y * w + x];
    for (int dy = -2; dy <= 2; dy++) {
      for (int dx = -2; dx <= 2; dx++) {
        int xx = x + dx;
        int yy = y + dy;
        if ((dx == 0 && dy == 0) || xx < 0 || yy < 0 || xx >= w || yy >= h) {
          continue;
        }
        float o = r[yy * w + xx];
        // ties go to the first in scan order, so a flat top gives one peak
        if (o > v || (o == v && (dy < 0 || (dy == 0 && dx < 0)))) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean[] dilateLocal(boolean[] m, int w, int h, int r) {
    boolean[] row = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      int last = Integer.MIN_VALUE / 2;
      for (int x = 0; x < w; x++) {
        if (m[y * w + x]) {
          last = x;
        }
        row[y * w + x] = x - last <= r;
      }
      int next = Integer.MAX_VALUE / 2;
      for (int x = w - 1; x >= 0; x--) {
        if (m[y * w + x]) {
          next = x;
        }
        row[y * w + x] |= next - x <= r;
      }
    }
    boolean[] out = new boolean[w * h];
    for (int x = 0; x < w; x++) {
      int last = Integer.MIN_VALUE / 2;
      for (int y = 0; y < h; y++) {
        if (row[y * w + x]) {
          last = y;
        }
        out[y * w + x] = y - last <= r;
      }
      int next = Integer.MAX_VALUE / 2;
      for (int y = h - 1; y >= 0; y--) {
        if (row[y * w + x]) {
          next = y;
        }
        out[y * w + x] |= next - y <= r;
      }
    }
    return out;
  }

  private static double percentile(int[] hist, double pct) {
    long n = Arrays.stream(hist).asLongStream().sum();
    double target = pct / 100.0 * (n - 1);
    long seen = 0;
    for (int v = 0; v < hist.length; v++) {
      seen += hist[v];
      if (seen > target) {
        return v;
      }
    }
    return hist.length - 1;
  }

  /**
   * Cleft voxels that belong together: counts per section, centroid sums, bounds, a histogram of
   * darkness.
   */
  private static final class Piece {
    final int[] area;
    final double[] sumX;
    final double[] sumY;
    final int[] hist = new int[HIST];
    int[] voxels = new int[16];
    int count;
    int zmin = Integer.MAX_VALUE;
    int zmax = -1;
    int xmin = Integer.MAX_VALUE;
    int xmax = -1;
    int ymin = Integer.MAX_VALUE;
    int ymax = -1;
    double sx;
    double sy;

    Piece(int nz) {
      area = new int[nz];
      sumX = new double[nz];
      sumY = new double[nz];
    }

    void add(int i, int nx, int plane, float value) {
      int z = i / plane;
      int x = i % nx;
      int y = (i % plane) / nx;
      if (count == voxels.length) {
        voxels = Arrays.copyOf(voxels, count * 2);
      }
      voxels[count++] = i;
      area[z]++;
      sumX[z] += x;
      sumY[z] += y;
      sx += x;
      sy += y;
      zmin = Math.min(zmin, z);
      zmax = Math.max(zmax, z);
      xmin = Math.min(xmin, x);
      xmax = Math.max(xmax, x);
      ymin = Math.min(ymin, y);
      ymax = Math.max(ymax, y);
      hist[Math.max(0, Math.min(HIST - 1, (int) Math.round(value * HIST_SCALE)))]++;
    }

    void absorb(Piece o) {
      if (count + o.count > voxels.length) {
        voxels = Arrays.copyOf(voxels, Math.max(voxels.length * 2, count + o.count));
      }
      System.arraycopy(o.voxels, 0, voxels, count, o.count);
      count += o.count;
      for (int z = 0; z < area.length; z++) {
        area[z] += o.area[z];
        sumX[z] += o.sumX[z];
        sumY[z] += o.sumY[z];
      }
      for (int k = 0; k < HIST; k++) {
        hist[k] += o.hist[k];
      }
      sx += o.sx;
      sy += o.sy;
      zmin = Math.min(zmin, o.zmin);
      zmax = Math.max(zmax, o.zmax);
      xmin = Math.min(xmin, o.xmin);
      xmax = Math.max(xmax, o.xmax);
      ymin = Math.min(ymin, o.ymin);
      ymax = Math.max(ymax, o.ymax);
    }

    double cx() {
      return sx / count;
    }

    double cy() {
      return sy / count;
    }

    double median() {
      long half = (count + 1) / 2;
      long seen = 0;
      for (int k = 0; k < HIST; k++) {
        seen += hist[k];
        if (seen >= half) {
          return k / HIST_SCALE;
        }
      }
      return (HIST - 1) / HIST_SCALE;
    }

    int[] voxelsOf(int z, int plane) {
      int[] out = new int[area[z]];
      int k = 0;
      for (int j = 0; j < count; j++) {
        if (voxels[j] / plane == z) {
          out[k++] = voxels[j];
        }
      }
      return out;
    }

    int labelCount(long[] labels, long label) {
      int n = 0;
      for (int j = 0; j < count; j++) {
        if (labels[voxels[j]] == label) {
          n++;
        }
      }
      return n;
    }

    /** Unit vector across the cleft in section z: the minor axis of its voxels there. */
    double[] minorAxis(int z, int nx, int plane) {
      double mx = sumX[z] / area[z];
      double my = sumY[z] / area[z];
      double sxx = 0;
      double syy = 0;
      double sxy = 0;
      for (int j = 0; j < count; j++) {
        int v = voxels[j];
        if (v / plane != z) {
          continue;
        }
        double dx = v % nx - mx;
        double dy = (v % plane) / nx - my;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
      }
      // the eigenvector of the smaller eigenvalue of [[sxx, sxy], [sxy, syy]]
      double t = 0.5 * Math.atan2(2 * sxy, sxx - syy);
      return new double[] {-Math.sin(t), Math.cos(t)};
    }

    /** Squared in-plane distance from (x, y) to the nearest voxel of sections z - 1 to z + 1. */
    double nearestSquared(int x, int y, int z, int nx, int plane) {
      double best = Double.MAX_VALUE;
      for (int j = 0; j < count; j++) {
        int v = voxels[j];
        int vz = v / plane;
        if (vz < z - 1 || vz > z + 1) {
          continue;
        }
        int dx = v % nx - x;
        int dy = (v % plane) / nx - y;
        best = Math.min(best, dx * dx + dy * dy);
      }
      return best;
    }
  }

  /** Union-find over indices with path halving. */
  private static final class UnionFind {
    final int[] parent;

    UnionFind(int n) {
      parent = new int[n];
      for (int i = 0; i < n; i++) {
        parent[i] = i;
      }
    }

    int find(int i) {
      while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
      }
      return i;
    }

    void union(int a, int b) {
      int ra = find(a);
      int rb = find(b);
      if (ra != rb) {
        // the smaller index is the root: roots do not depend on the order of unions
        if (ra < rb) {
          parent[rb] = ra;
        } else {
          parent[ra] = rb;
        }
      }
    }
  }

  /** Tap offsets of the vesicle ring detector: a centre disc, the ring, the surround. */
  static final class Rings {
    static final int[][] CENTRE = taps(0, 1.3);
    static final int[][] RING = taps(1.8, 3.4);
    static final int[][] OUTER = taps(4.5, 6.5);

    private static int[][] taps(double r0, double r1) {
      List<int[]> t = new ArrayList<>();
      for (int dy = -7; dy <= 7; dy++) {
        for (int dx = -7; dx <= 7; dx++) {
          double d = Math.hypot(dx, dy);
          if (d >= r0 && d < r1) {
            t.add(new int[] {dx, dy});
          }
        }
      }
      return t.toArray(new int[0][]);
    }

    /** The ring's taps in eight sectors of 45 degrees. */
    static final int[][][] SECTORS = sectors();

    private static int[][][] sectors() {
      List<List<int[]>> s = new ArrayList<>();
      for (int k = 0; k < 8; k++) {
        s.add(new ArrayList<>());
      }
      for (int[] t : RING) {
        double a = Math.atan2(t[1], t[0]) + Math.PI;
        s.get(Math.min(7, (int) (a / (Math.PI / 4)))).add(t);
      }
      int[][][] out = new int[8][][];
      for (int k = 0; k < 8; k++) {
        out[k] = s.get(k).toArray(new int[0][]);
      }
      return out;
    }

    /** The taps as offsets in an image {@code nx} voxels wide. */
    final int[] centre;

    final int[] ring;
    final int[] outer;
    final int[][] sectors;

    Rings(int nx) {
      centre = offsets(CENTRE, nx);
      ring = offsets(RING, nx);
      outer = offsets(OUTER, nx);
      sectors = new int[SECTORS.length][];
      for (int k = 0; k < SECTORS.length; k++) {
        sectors[k] = offsets(SECTORS[k], nx);
      }
    }

    private static int[] offsets(int[][] taps, int nx) {
      int[] o = new int[taps.length];
      for (int k = 0; k < taps.length; k++) {
        o[k] = taps[k][1] * nx + taps[k][0];
      }
      return o;
    }

    /** The mean of the lightest of the ring's sectors. */
    double lightestSector(byte[] img, int i) {
      double best = 0;
      for (int[] sector : sectors) {
        best = Math.max(best, mean(img, i, sector));
      }
      return best;
    }

    /** The mean of the voxels at offsets {@code taps} from voxel {@code i}. */
    static double mean(byte[] img, int i, int[] taps) {
      int s = 0;
      for (int t : taps) {
        s += img[i + t] & 0xff;
      }
      return (double) s / taps.length;
    }
  }
}
