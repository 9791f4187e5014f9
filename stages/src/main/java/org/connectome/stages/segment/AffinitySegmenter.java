package org.connectome.stages.segment;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.connectome.stages.image.EuclideanDistance;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.LabelVolume;

/**
 * The reference segmentation with the trained affinity network: the field's affinity design
 * (boundary and affinity prediction, watershed fragments, agglomeration by mean affinity).
 *
 * <ol>
 *   <li><b>Prediction</b> ({@link AffinityModel}): per voxel the boundary probability and the
 *       affinity to the voxel above it in the next section.
 *   <li><b>Fragments</b> per section: seeds are the areas at least {@code seedDistance} from every
 *       boundary pixel (probability at least {@code boundaryThreshold}); a priority flood from the
 *       seeds in order of the boundary probability gives every imaged pixel a fragment, and
 *       neighbouring fragments meet on the ridge of the boundary map.
 *   <li><b>Agglomeration</b> over the subvolume: the region graph of the fragments, its edges
 *       within a section scored by the mean of {@code 1 - boundary} on their shared border and its
 *       edges between sections by the mean z affinity where the two fragments overlap, weighted by
 *       how surely both voxels lie inside a cell ({@code (1 - boundary)} of each); the pair of
 *       highest mean affinity is merged, the merged region's edges are pooled (sums and counts),
 *       until no pair reaches {@code mergeThreshold}; every edge counts 8 samples of affinity 0
 *       more than it has, so that a few uncertain voxels never outweigh a long, sure border. Two
 *       fragments of one section parted by a sure membrane ({@code sureMembrane}) never join, not
 *       even through links in other sections (the field's mutex constraints). Objects smaller than
 *       {@code minSize} then join their best neighbour, and objects that a missing tile separates
 *       are linked when they overlap across it (as {@link FloodFillSegmenter} does).
 * </ol>
 *
 * Fragments per section and agglomeration through z suit anisotropic serial sections. Isotropic
 * voxels ({@link AffinityParams.Views#THREE}) are read by the network in three orientations ({@link
 * ThreeViews}) and cut into fragments in 3D ({@link VolumeFragments}), every face between two
 * fragments scored by {@code 1 - boundary} whatever its direction.
 */
public final class AffinitySegmenter implements SubvolumeSegmenter {
  /** Least length of such a border, pixels: a few pixels of border are no sure membrane. */
  static final double SURE_MEMBRANE_PIXELS = 4;

  private final AffinityParams p;
  private final AffinityModel model;

  public AffinitySegmenter(AffinityParams params) throws IOException {
    this(params, AffinityModel.load(params.model(), params.threads(), params.useGpu()));
  }

  /** With a loaded model, or none for {@link #segment(ByteVolume, AffinityModel.Prediction)}. */
  AffinitySegmenter(AffinityParams params, AffinityModel model) {
    this.p = params;
    this.model = model;
  }

  @Override
  public LabelVolume segment(ByteVolume image) throws IOException, InterruptedException {
    return segment(image, predictOnly(image));
  }

  /** The network's prediction alone. */
  AffinityModel.Prediction predictOnly(ByteVolume image) throws IOException, InterruptedException {
    boolean three = p.views() == AffinityParams.Views.THREE;
    int f = p.downsample();
    int fz = three ? f : 1;
    ByteVolume in = f > 1 ? Resampling.shrink(image, f, fz) : image;
    AffinityModel.Prediction pred = three ? ThreeViews.predict(model, in) : model.predict(in);
    return f > 1 ? Resampling.grow(pred, image.sx(), image.sy(), image.sz(), f, fz) : pred;
  }

  /** Fragments and agglomeration of a prediction. */
  LabelVolume segment(ByteVolume image, AffinityModel.Prediction pred) throws InterruptedException {
    int nx = image.sx();
    int ny = image.sy();
    int nz = image.sz();
    int plane = nx * ny;
    byte[] img = image.data();
    int[] frag = new int[plane * nz];
    // isotropic voxels: fragments in 3D, and every face between two fragments is a boundary alike
    boolean volume = p.views() == AffinityParams.Views.THREE;
    int[] firstOfSection = null;
    int next = 1;
    if (volume) {
      next = VolumeFragments.fragments(img, pred.boundary(), nx, ny, nz, p, frag, next);
    } else {
      Fragments f = new Fragments(nx, ny);
      firstOfSection = new int[nz + 1];
      for (int z = 0; z < nz; z++) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        firstOfSection[z] = next;
        next = f.section(img, pred.boundary(), z * plane, frag, next);
      }
      firstOfSection[nz] = next;
    }
    Graph g = new Graph(next);
    long[] size = new long[next];
    for (int i = 0; i < frag.length; i++) {
      size[frag[i]]++;
    }
    float[] b = pred.boundary();
    float[] za = pred.zAffinity();
    for (int z = 0; z < nz; z++) {
      int o = z * plane;
      for (int y = 0; y < ny; y++) {
        for (int x = 0; x < nx; x++) {
          int i = o + y * nx + x;
          int a = frag[i];
          if (a == 0) {
            continue;
          }
          if (x + 1 < nx && frag[i + 1] != 0 && frag[i + 1] != a) {
            g.add(a, frag[i + 1], 1 - Math.max(b[i], b[i + 1]), 1);
          }
          if (y + 1 < ny && frag[i + nx] != 0 && frag[i + nx] != a) {
            g.add(a, frag[i + nx], 1 - Math.max(b[i], b[i + nx]), 1);
          }
          if (volume) {
            if (z + 1 < nz && frag[i + plane] != 0 && frag[i + plane] != a) {
              g.add(a, frag[i + plane], 1 - Math.max(b[i], b[i + plane]), 1);
            }
            continue;
          }
          if (z + 1 < nz && frag[i + plane] != 0) {
            // counted by how surely both voxels lie inside a cell: where a fragment has swallowed a
            // thin process (all boundary), the affinity there must not link it to that process in
            // the next section
            double w = (1 - b[i]) * (1 - b[i + plane]);
            g.add(a, frag[i + plane], za[i], 0.01 + w);
          }
        }
      }
    }
    if (firstOfSection != null && p.sureMembrane() > 0) {
      // serial sections: a chain of links through the next section (A in z to B in z + 1 to C in
      // z) must not join two cells that a sure membrane parts in z. On the ISBI 2012 stack (50 nm
      // sections, cells that move far between them) such chains merged most cells: VI 2.61 bits
      // section by section at 8 nm, 0.90 with the constraint at 0.1 (0.80 at 0.2, which splits
      // the demo's cells: 0.222 to 0.271; 0.226 at 0.1). Off on isotropic voxels, where a
      // section's membranes are grazed too often to be sure (the sections path there: 2.43 to 3.92
      // on the neuroproof volume with it)
      g.forbidAcrossStrongBoundaries(firstOfSection, p.sureMembrane(), SURE_MEMBRANE_PIXELS);
    }
    UnionFind sets = g.agglomerate(p.mergeThreshold(), size, p.minSize());
    linkGaps(img, frag, nx, ny, nz, next, sets);
    int[] id = new int[next];
    Arrays.fill(id, -1);
    long[] out = new long[frag.length];
    int n = 0;
    for (int i = 0; i < frag.length; i++) {
      if (frag[i] == 0) {
        continue;
      }
      int r = sets.find(frag[i]);
      if (id[r] < 0) {
        id[r] = ++n;
      }
      out[i] = id[r];
    }
    return new LabelVolume(nx, ny, nz, 1, out);
  }

  /**
   * Objects of sections {@code z} and {@code z + 2} that overlap well where section {@code z + 1}
   * was not imaged (a missing or truncated tile) are one object: the network saw no image there.
   */
  private void linkGaps(byte[] img, int[] frag, int nx, int ny, int nz, int labels, UnionFind s) {
    int n = nx * ny;
    for (int z = 0; z + 2 < nz; z++) {
      Map<Long, long[]> pairs = new HashMap<>();
      Map<Integer, long[]> areaA = new HashMap<>();
      Map<Integer, long[]> areaB = new HashMap<>();
      for (int i = 0; i < n; i++) {
        int a0 = z * n + i;
        if (img[a0] == 0 || img[a0 + n] != 0 || img[a0 + 2 * n] == 0) {
          continue;
        }
        int a = s.find(frag[a0]);
        int b = s.find(frag[a0 + 2 * n]);
        areaA.computeIfAbsent(a, k -> new long[1])[0]++;
        areaB.computeIfAbsent(b, k -> new long[1])[0]++;
        pairs.computeIfAbsent(((long) a << 32) | b, k -> new long[1])[0]++;
      }
      for (Map.Entry<Long, long[]> e : pairs.entrySet()) {
        int a = (int) (e.getKey() >>> 32);
        int b = (int) (long) e.getKey();
        long c = e.getValue()[0];
        double iou = (double) c / (areaA.get(a)[0] + areaB.get(b)[0] - c);
        if (c >= p.gapMinOverlap() && iou >= p.gapLinkOverlap()) {
          s.union(a, b);
        }
      }
    }
  }

  /** Watershed fragments of one section; working arrays reused from section to section. */
  private final class Fragments {
    final int nx;
    final int ny;
    final boolean[] data;
    final float[] dist;
    final int[] seeds;
    final int[] stack;
    final int[] elevation;
    final FloodFillSegmenter.BucketQueue queue = new FloodFillSegmenter.BucketQueue(256);

    Fragments(int nx, int ny) {
      this.nx = nx;
      this.ny = ny;
      int n = nx * ny;
      data = new boolean[n];
      dist = new float[n];
      seeds = new int[n];
      stack = new int[n];
      elevation = new int[n];
    }

    int section(byte[] img, float[] boundary, int off, int[] out, int next) {
      int n = nx * ny;
      boolean any = false;
      float t = (float) p.boundaryThreshold();
      for (int i = 0; i < n; i++) {
        data[i] = img[off + i] != 0;
        any |= data[i];
        float b = boundary[off + i];
        dist[i] = data[i] && b < t ? Float.MAX_VALUE : 0f;
        elevation[i] = Math.min(255, Math.max(0, Math.round(b * 255)));
      }
      if (!any) {
        return next;
      }
      EuclideanDistance.squared(dist, nx, ny);
      int first = next;
      next = seeds(next);
      // priority flood from the seeds, lowest boundary probability first
      queue.flood(seeds, elevation, data, nx, ny, out, off);
      // imaged areas no seed reached: fragments of their own
      for (int i = 0; i < n; i++) {
        if (data[i] && out[off + i] == 0) {
          fill(out, off, i, next++);
        }
      }
      return Math.max(next, first);
    }

    private int seeds(int next) {
      int n = nx * ny;
      float r2 = (float) (p.seedDistance() * p.seedDistance());
      Arrays.fill(seeds, 0);
      for (int i = 0; i < n; i++) {
        if (!data[i] || seeds[i] != 0 || dist[i] < r2) {
          continue;
        }
        int top = 0;
        stack[top++] = i;
        seeds[i] = -1;
        int start = 0;
        while (start < top) {
          int q = stack[start++];
          int x = q % nx;
          int y = q / nx;
          if (x > 0) {
            top = seedStep(q - 1, r2, top);
          }
          if (x + 1 < nx) {
            top = seedStep(q + 1, r2, top);
          }
          if (y > 0) {
            top = seedStep(q - nx, r2, top);
          }
          if (y + 1 < ny) {
            top = seedStep(q + nx, r2, top);
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

    private int seedStep(int q, float r2, int top) {
      if (data[q] && seeds[q] == 0 && dist[q] >= r2) {
        seeds[q] = -1;
        stack[top++] = q;
      }
      return top;
    }

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

  /** The region graph: edges with the weighted sum and the total weight of their affinities. */
  static final class Graph {
    /** Samples of affinity 0 every edge starts with. */
    static final double EVIDENCE = 8;

    static final class Edge {
      int a;
      int b;
      double sum;
      double count;
      int stamp;
      boolean dead;

      /**
       * The mean affinity, with {@link #EVIDENCE} samples of affinity 0 added: a pair that shares
       * only a few uncertain voxels (a swallowed thin process) must not outrank a long, sure one.
       */
      double mean() {
        return sum / (count + EVIDENCE);
      }

      int other(int r) {
        return r == a ? b : a;
      }
    }

    private final List<Map<Integer, Edge>> adj;

    /** Per region the regions it must never join (null: none). */
    private final List<Set<Integer>> mutex;

    Graph(int nodes) {
      adj = new ArrayList<>(nodes);
      mutex = new ArrayList<>(nodes);
      for (int i = 0; i < nodes; i++) {
        adj.add(null);
        mutex.add(null);
      }
    }

    /** Fragments {@code a} and {@code b} must never end in one object. */
    void forbid(int a, int b) {
      mutexOf(a).add(b);
      mutexOf(b).add(a);
    }

    private Set<Integer> mutexOf(int r) {
      Set<Integer> m = mutex.get(r);
      if (m == null) {
        m = new HashSet<>(4);
        mutex.set(r, m);
      }
      return m;
    }

    /**
     * Forbids the join of two fragments of one section whose shared border of at least {@code
     * minBorder} pixels has a mean affinity under {@code below}: a sure membrane between them.
     * Fragments of a section lie in {@code [firstOfSection[z], firstOfSection[z + 1])}.
     */
    void forbidAcrossStrongBoundaries(int[] firstOfSection, double below, double minBorder) {
      int z = 0;
      for (int r = 0; r < adj.size(); r++) {
        while (z + 1 < firstOfSection.length && r >= firstOfSection[z + 1]) {
          z++;
        }
        Map<Integer, Edge> m = adj.get(r);
        if (m == null) {
          continue;
        }
        for (Edge e : m.values()) {
          int other = e.other(r);
          if (e.a != r
              || other < firstOfSection[z]
              || (z + 1 < firstOfSection.length && other >= firstOfSection[z + 1])) {
            continue;
          }
          if (e.count >= minBorder && e.sum / e.count < below) {
            forbid(e.a, e.b);
          }
        }
      }
    }

    private Map<Integer, Edge> adj(int r) {
      Map<Integer, Edge> m = adj.get(r);
      if (m == null) {
        m = new HashMap<>(8);
        adj.set(r, m);
      }
      return m;
    }

    void add(int a, int b, double affinity, double weight) {
      Edge e = adj(a).get(b);
      if (e == null) {
        e = new Edge();
        e.a = a;
        e.b = b;
        adj(a).put(b, e);
        adj(b).put(a, e);
      }
      e.sum += weight * affinity;
      e.count += weight;
    }

    private record Entry(double mean, Edge edge, int stamp) {}

    /**
     * Merges the pair of highest mean affinity while it is at least {@code threshold}, pooling
     * edges; then objects under {@code minSize} voxels join their best neighbour.
     */
    UnionFind agglomerate(double threshold, long[] size, int minSize) {
      int n = adj.size();
      UnionFind sets = new UnionFind(n);
      long[] sz = size.clone();
      PriorityQueue<Entry> queue =
          new PriorityQueue<>((x, y) -> Double.compare(y.mean(), x.mean()));
      for (int r = 0; r < n; r++) {
        Map<Integer, Edge> m = adj.get(r);
        if (m == null) {
          continue;
        }
        for (Edge e : m.values()) {
          if (e.a == r) {
            queue.add(new Entry(e.mean(), e, e.stamp));
          }
        }
      }
      merge(queue, sets, sz, threshold, Long.MAX_VALUE);
      if (minSize > 0) {
        // small objects: their best edge, whatever its affinity
        for (int r = 0; r < n; r++) {
          Map<Integer, Edge> m = adj.get(r);
          if (m == null || sets.find(r) != r || sz[r] >= minSize) {
            continue;
          }
          for (Edge e : m.values()) {
            queue.add(new Entry(e.mean(), e, e.stamp));
          }
        }
        merge(queue, sets, sz, -1, minSize);
      }
      return sets;
    }

    /**
     * Merges while the best entry reaches {@code threshold}; with {@code small}, only pairs one of
     * which is smaller.
     */
    private void merge(
        PriorityQueue<Entry> queue, UnionFind sets, long[] sz, double threshold, long small) {
      while (!queue.isEmpty()) {
        Entry top = queue.poll();
        Edge e = top.edge();
        if (e.dead || e.stamp != top.stamp()) {
          continue;
        }
        if (top.mean() < threshold) {
          break;
        }
        int a = e.a;
        int b = e.b;
        if (small != Long.MAX_VALUE && sz[a] >= small && sz[b] >= small) {
          continue;
        }
        Set<Integer> ma = mutex.get(a);
        if (ma != null && ma.contains(b)) {
          continue;
        }
        // merge the region with fewer edges into the other
        int keep = adj(a).size() >= adj(b).size() ? a : b;
        int gone = keep == a ? b : a;
        sets.unionInto(gone, keep);
        sz[keep] += sz[gone];
        e.dead = true;
        adj(keep).remove(gone);
        Map<Integer, Edge> goneAdj = adj(gone);
        goneAdj.remove(keep);
        for (Map.Entry<Integer, Edge> ne : goneAdj.entrySet()) {
          int other = ne.getKey();
          Edge moved = ne.getValue();
          Map<Integer, Edge> otherAdj = adj(other);
          otherAdj.remove(gone);
          Edge existing = adj(keep).get(other);
          if (existing != null) {
            existing.sum += moved.sum;
            existing.count += moved.count;
            existing.stamp++;
            moved.dead = true;
            queue.add(new Entry(existing.mean(), existing, existing.stamp));
          } else {
            if (moved.a == gone) {
              moved.a = keep;
            } else {
              moved.b = keep;
            }
            adj(keep).put(other, moved);
            otherAdj.put(keep, moved);
            moved.stamp++;
            queue.add(new Entry(moved.mean(), moved, moved.stamp));
          }
        }
        adj.set(gone, null);
        Set<Integer> mg = mutex.get(gone);
        if (mg != null) {
          for (int other : mg) {
            Set<Integer> mo = mutex.get(other);
            mo.remove(gone);
            mo.add(keep);
            mutexOf(keep).add(other);
          }
          mutex.set(gone, null);
        }
        if (small != Long.MAX_VALUE && sz[keep] < small) {
          for (Edge x : adj(keep).values()) {
            x.stamp++;
            queue.add(new Entry(x.mean(), x, x.stamp));
          }
        }
      }
    }
  }

  @Override
  public void close() {
    if (model != null) {
      model.close();
    }
  }
}
