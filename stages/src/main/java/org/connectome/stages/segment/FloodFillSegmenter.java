package org.connectome.stages.segment;

import java.util.Arrays;
import org.connectome.stages.image.EuclideanDistance;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.LabelVolume;

/**
 * The reference segmentation of one subvolume of the aligned EM image: seeded flood filling that
 * stops at membranes, section by section, then linked across sections.
 *
 * <p>Per section (plane {@code z}):
 *
 * <ol>
 *   <li><b>Membrane map.</b> The image smoothed by a Gaussian ({@code smoothingSigma}, normalised
 *       over imaged voxels only, so the edge of the imaged area does not look dark), thresholded:
 *       membranes are darker than {@code membraneThreshold}. Dark blobs that are not part of the
 *       membrane network (connected dark areas smaller than {@code organelleArea} that touch
 *       neither the unimaged area nor the subvolume's edge) are mitochondria, vesicles or noise
 *       inside a cell: they are not membrane, so they neither split a cell nor stop its growth.
 *   <li><b>Seeds</b> away from membranes: the connected areas (4-connected, imaged voxels only)
 *       whose Euclidean distance to the nearest membrane voxel is at least {@code seedDistance}; an
 *       area smaller than {@code minSeedArea} is no seed. One seed per cell cross-section, since a
 *       cell's cross-section is convex or nearly so.
 *   <li><b>Flood filling</b> from the seeds in the order of the smoothed image's darkness (a
 *       priority flood with first-in first-out order on plateaus), over every imaged voxel: regions
 *       grow through the bright cytoplasm first and meet on the darkest line of the membrane
 *       between them, so every imaged voxel gets a segment and the boundaries lie where the true
 *       cell boundaries are. Imaged areas that no seed reaches become segments of their own.
 * </ol>
 *
 * Then the sections are linked, comparing segments only where both sections are imaged: a segment
 * of section {@code z} and one of {@code z + 1} belong to the same object when their intersection
 * over union is at least {@code linkOverlap}, or when at least {@code linkContained} of the smaller
 * lies in the larger and that is at least {@code linkMinShare} of the larger (a neurite that a
 * membrane smear cuts in two in one section); across a missing tile (voxels imaged in {@code z} and
 * {@code z + 2} but not {@code z + 1}), when their intersection over union there is at least {@code
 * gapLinkOverlap} over at least {@code gapMinOverlap} voxels. Linking by overlap rather than
 * growing through z is what the anisotropy asks for: a section is 33 nm thick against 8 nm pixels,
 * so a membrane nearly parallel to the section plane shows only as a faint smear, and a region
 * growing through z would leak across it; the overlap of cross-sections of the same neurite in
 * consecutive aligned sections is large, that of a neurite and the one lying over it is not. Voxels
 * outside the imaged data (aligned value 0) stay 0.
 */
public final class FloodFillSegmenter implements SubvolumeSegmenter {
  private final SegmentParams p;

  public FloodFillSegmenter(SegmentParams params) {
    this.p = params;
  }

  /**
   * Segments a subvolume.
   *
   * @return labels from 1, consecutive in order of first appearance (x fastest, then y, then z); 0
   *     outside the imaged data
   */
  @Override
  public LabelVolume segment(ByteVolume image) throws InterruptedException {
    int nx = image.sx();
    int ny = image.sy();
    int nz = image.sz();
    int plane = nx * ny;
    int[] labels2d = sections(image);
    int next = 0;
    for (int v : labels2d) {
      next = Math.max(next, v + 1);
    }
    UnionFind sets = new UnionFind(next);
    for (int z = 0; z + 1 < nz; z++) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      link(image.data(), labels2d, z, z + 1, plane, next, sets);
      if (z + 2 < nz) {
        link(image.data(), labels2d, z, z + 2, plane, next, sets);
      }
    }
    // consecutive ids in order of first appearance: deterministic, and small enough for FFN's
    // reduced bit widths
    int[] id = new int[next];
    Arrays.fill(id, -1);
    id[sets.find(0)] = 0;
    long[] out = new long[labels2d.length];
    int n = 0;
    for (int i = 0; i < labels2d.length; i++) {
      int v = labels2d[i];
      if (v == 0) {
        continue;
      }
      int r = sets.find(v);
      if (id[r] < 0) {
        id[r] = ++n;
      }
      out[i] = id[r];
    }
    return new LabelVolume(nx, ny, nz, 1, out);
  }

  /**
   * The per-section segments: labels from 1, unique over the subvolume; 0 outside the imaged data.
   */
  int[] sections(ByteVolume image) throws InterruptedException {
    int plane = image.sx() * image.sy();
    int[] labels2d = new int[plane * image.sz()];
    int next = 1;
    Plane work = new Plane(image.sx(), image.sy());
    for (int z = 0; z < image.sz(); z++) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      next = work.segment(image.data(), z * plane, labels2d, z * plane, next);
    }
    return labels2d;
  }

  /**
   * Links the segments of sections {@code z} and {@code z2} ({@code z + 1}, or {@code z + 2} across
   * voxels that section {@code z + 1} did not image), comparing them only where both sections are
   * imaged: a missing tile or a different imaged outline must not make a neurite look like it ends.
   */
  private void link(byte[] img, int[] l, int z, int z2, int n, int labels, UnionFind sets) {
    int a0 = z * n;
    int b0 = z2 * n;
    long[] areaA = new long[labels];
    long[] areaB = new long[labels];
    LongCounts pairs = new LongCounts(1024);
    for (int i = 0; i < n; i++) {
      if (img[a0 + i] == 0 || img[b0 + i] == 0) {
        continue;
      }
      if (z2 > z + 1 && img[(z + 1) * n + i] != 0) {
        continue;
      }
      int a = l[a0 + i];
      int b = l[b0 + i];
      areaA[a]++;
      areaB[b]++;
      pairs.add(((long) a << 32) | b, 1);
    }
    boolean gap = z2 > z + 1;
    pairs.forEach(
        (k, c) -> {
          int a = (int) (k >>> 32);
          int b = (int) k;
          long sa = areaA[a];
          long sb = areaB[b];
          double iou = (double) c / (sa + sb - c);
          boolean linked;
          if (gap) {
            linked = c >= p.gapMinOverlap() && iou >= p.gapLinkOverlap();
          } else {
            // one segment (nearly) inside the other: a neurite cut in two in one section by a
            // membrane smear
            double inSmall = (double) c / Math.min(sa, sb);
            double ofLarge = (double) c / Math.max(sa, sb);
            linked =
                iou >= p.linkOverlap()
                    || (inSmall >= p.linkContained() && ofLarge >= p.linkMinShare());
          }
          if (linked) {
            sets.union(a, b);
          }
        });
  }

  /** Working arrays of one section, reused for every section of the subvolume. */
  private final class Plane {
    final int nx;
    final int ny;
    final boolean[] data;
    final float[] smooth;
    final float[] tmp;
    final boolean[] membrane;
    final int[] comp;
    final int[] stack;
    final float[] dist;
    final int[] seeds;
    final int[] elevation;
    final BucketQueue queue;
    final double[] kernel;

    Plane(int nx, int ny) {
      this.nx = nx;
      this.ny = ny;
      int n = nx * ny;
      data = new boolean[n];
      smooth = new float[n];
      tmp = new float[n];
      membrane = new boolean[n];
      comp = new int[n];
      stack = new int[n];
      dist = new float[n];
      seeds = new int[n];
      elevation = new int[n];
      queue = new BucketQueue(256);
      kernel = gaussian(p.smoothingSigma());
    }

    /**
     * Segments one section into {@code out} from label {@code next}; returns the next free label.
     */
    int segment(byte[] img, int off, int[] out, int outOff, int next) {
      int n = nx * ny;
      boolean any = false;
      for (int i = 0; i < n; i++) {
        data[i] = img[off + i] != 0;
        any |= data[i];
      }
      if (!any) {
        return next;
      }
      smooth(img, off);
      membraneMap();
      distance();
      int first = next;
      next = seeds(next);
      flood(out, outOff, first);
      // imaged areas no seed reached (small islands): segments of their own
      for (int i = 0; i < n; i++) {
        if (data[i] && out[outOff + i] == 0) {
          fill(out, outOff, i, next++);
        }
      }
      return next;
    }

    private void smooth(byte[] img, int off) {
      int r = kernel.length - 1;
      // along x, normalised over imaged voxels
      for (int y = 0; y < ny; y++) {
        int row = y * nx;
        for (int x = 0; x < nx; x++) {
          double s = 0;
          double w = 0;
          for (int k = -r; k <= r; k++) {
            int xx = x + k;
            if (xx < 0 || xx >= nx || !data[row + xx]) {
              continue;
            }
            double kw = kernel[Math.abs(k)];
            s += kw * (img[off + row + xx] & 0xff);
            w += kw;
          }
          tmp[row + x] = w > 0 ? (float) (s / w) : 0f;
        }
      }
      for (int y = 0; y < ny; y++) {
        for (int x = 0; x < nx; x++) {
          double s = 0;
          double w = 0;
          for (int k = -r; k <= r; k++) {
            int yy = y + k;
            if (yy < 0 || yy >= ny || !data[yy * nx + x]) {
              continue;
            }
            double kw = kernel[Math.abs(k)];
            s += kw * tmp[yy * nx + x];
            w += kw;
          }
          smooth[y * nx + x] = w > 0 ? (float) (s / w) : 0f;
        }
      }
      for (int i = 0; i < nx * ny; i++) {
        int e = 255 - Math.round(smooth[i]);
        elevation[i] = e < 0 ? 0 : (e > 255 ? 255 : e);
      }
    }

    /** Dark voxels, without the dark blobs inside cells. */
    private void membraneMap() {
      int n = nx * ny;
      float t = p.membraneThreshold();
      for (int i = 0; i < n; i++) {
        membrane[i] = data[i] && smooth[i] < t;
        comp[i] = 0;
      }
      int c = 0;
      for (int i = 0; i < n; i++) {
        if (!membrane[i] || comp[i] != 0) {
          continue;
        }
        c++;
        int top = 0;
        int count = 0;
        boolean open = false;
        stack[top++] = i;
        comp[i] = c;
        int start = 0;
        // a breadth list in stack[0..count): every member, so that a blob can be cleared afterwards
        while (start < top) {
          int v = stack[start++];
          count++;
          int x = v % nx;
          int y = v / nx;
          for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
              if (dx == 0 && dy == 0) {
                continue;
              }
              int xx = x + dx;
              int yy = y + dy;
              if (xx < 0 || yy < 0 || xx >= nx || yy >= ny) {
                open = true;
                continue;
              }
              int q = yy * nx + xx;
              if (!data[q]) {
                open = true;
              } else if (membrane[q] && comp[q] == 0) {
                comp[q] = c;
                stack[top++] = q;
              }
            }
          }
        }
        if (!open && count < p.organelleArea()) {
          for (int k = 0; k < top; k++) {
            membrane[stack[k]] = false;
          }
        }
      }
    }

    /**
     * Squared Euclidean distance to the nearest membrane voxel (exact, Felzenszwalb and
     * Huttenlocher).
     */
    private void distance() {
      int n = nx * ny;
      for (int i = 0; i < n; i++) {
        dist[i] = membrane[i] ? 0f : Float.MAX_VALUE;
      }
      EuclideanDistance.squared(dist, nx, ny);
    }

    /** Seed areas, labelled from {@code next} in {@link #seeds}; returns the next free label. */
    private int seeds(int next) {
      int n = nx * ny;
      float r2 = (float) (p.seedDistance() * p.seedDistance());
      Arrays.fill(seeds, 0);
      int tentative = -1;
      for (int i = 0; i < n; i++) {
        if (!data[i] || seeds[i] != 0 || dist[i] < r2) {
          continue;
        }
        int top = 0;
        stack[top++] = i;
        seeds[i] = tentative;
        int start = 0;
        while (start < top) {
          int q = stack[start++];
          int x = q % nx;
          int y = q / nx;
          if (x > 0) {
            top = seedStep(q - 1, r2, tentative, top);
          }
          if (x + 1 < nx) {
            top = seedStep(q + 1, r2, tentative, top);
          }
          if (y > 0) {
            top = seedStep(q - nx, r2, tentative, top);
          }
          if (y + 1 < ny) {
            top = seedStep(q + nx, r2, tentative, top);
          }
        }
        int value = top >= p.minSeedArea() ? next++ : Integer.MIN_VALUE;
        for (int k = 0; k < top; k++) {
          seeds[stack[k]] = value;
        }
      }
      for (int i = 0; i < n; i++) {
        if (seeds[i] == Integer.MIN_VALUE) {
          seeds[i] = 0;
        }
      }
      return next;
    }

    private int seedStep(int q, float r2, int tentative, int top) {
      if (data[q] && seeds[q] == 0 && dist[q] >= r2) {
        seeds[q] = tentative;
        stack[top++] = q;
      }
      return top;
    }

    /** Priority flood from the seeds over the imaged voxels, darkest last. */
    private void flood(int[] out, int off, int first) {
      queue.flood(seeds, elevation, data, nx, ny, out, off);
    }

    /** Labels the 4-connected unlabelled imaged area around {@code i}. */
    private void fill(int[] out, int off, int i, int label) {
      int top = 0;
      stack[top++] = i;
      out[off + i] = label;
      while (top > 0) {
        int q = stack[--top];
        int x = q % nx;
        int y = q / nx;
        int[] nb = {
          x > 0 ? q - 1 : -1, x + 1 < nx ? q + 1 : -1, y > 0 ? q - nx : -1, y + 1 < ny ? q + nx : -1
        };
        for (int r : nb) {
          if (r >= 0 && data[r] && out[off + r] == 0) {
            out[off + r] = label;
            stack[top++] = r;
          }
        }
      }
    }
  }

  static double[] gaussian(double sigma) {
    if (sigma <= 0) {
      return new double[] {1};
    }
    int r = (int) Math.ceil(3 * sigma);
    double[] k = new double[r + 1];
    for (int i = 0; i <= r; i++) {
      k[i] = Math.exp(-i * i / (2 * sigma * sigma));
    }
    return k;
  }

  /** Integer priorities {@code 0 .. levels-1}, first in first out within a level. */
  static final class BucketQueue {
    private final int[][] buckets;
    private final int[] head;
    private final int[] tail;
    private int level;
    private int size;

    BucketQueue(int levels) {
      buckets = new int[levels][];
      head = new int[levels];
      tail = new int[levels];
      for (int i = 0; i < levels; i++) {
        buckets[i] = new int[64];
      }
    }

    /**
     * Priority flood of a {@code nx} x {@code ny} section into {@code out} from {@code off}: every
     * seed ({@code seeds}, 0 for none) grows over the 4-connected imaged pixels ({@code data}),
     * lowest {@code elevation} first, a pixel taking the label that reaches it first.
     */
    void flood(int[] seeds, int[] elevation, boolean[] data, int nx, int ny, int[] out, int off) {
      clear();
      for (int i = 0; i < nx * ny; i++) {
        out[off + i] = seeds[i];
        if (seeds[i] != 0) {
          push(elevation[i], i);
        }
      }
      while (!isEmpty()) {
        int from = level();
        int v = pop();
        int label = out[off + v];
        int x = v % nx;
        int y = v / nx;
        if (x > 0) {
          grow(v - 1, label, from, elevation, data, out, off);
        }
        if (x + 1 < nx) {
          grow(v + 1, label, from, elevation, data, out, off);
        }
        if (y > 0) {
          grow(v - nx, label, from, elevation, data, out, off);
        }
        if (y + 1 < ny) {
          grow(v + nx, label, from, elevation, data, out, off);
        }
      }
    }

    private void grow(
        int q, int label, int from, int[] elevation, boolean[] data, int[] out, int off) {
      if (data[q] && out[off + q] == 0) {
        out[off + q] = label;
        push(Math.max(from, elevation[q]), q);
      }
    }

    void clear() {
      Arrays.fill(head, 0);
      Arrays.fill(tail, 0);
      level = 0;
      size = 0;
    }

    void push(int priority, int value) {
      int b = Math.max(priority, level);
      int[] a = buckets[b];
      if (tail[b] == a.length) {
        if (head[b] > a.length / 2) {
          System.arraycopy(a, head[b], a, 0, tail[b] - head[b]);
          tail[b] -= head[b];
          head[b] = 0;
        } else {
          buckets[b] = a = Arrays.copyOf(a, a.length * 2);
        }
      }
      a[tail[b]++] = value;
      size++;
    }

    boolean isEmpty() {
      return size == 0;
    }

    /** The level of the next element. */
    int level() {
      while (head[level] == tail[level]) {
        head[level] = 0;
        tail[level] = 0;
        level++;
      }
      return level;
    }

    int pop() {
      int b = level();
      size--;
      return buckets[b][head[b]++];
    }
  }
}
