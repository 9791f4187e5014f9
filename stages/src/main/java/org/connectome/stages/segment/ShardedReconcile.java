package org.connectome.stages.segment;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.AtomicFiles;

/**
 * The reconciliation of {@code segment.reconcile} cut so that no phase holds more than a shard of
 * subvolumes or the boundary between a bounded number of shards, whatever the volume's size.
 *
 * <p>An element is a subvolume's local id, {@code (subvolume, local)}. Elements are ordered core
 * elements first (those with voxels in their subvolume's core), then by subvolume, then by local
 * id: every set's representative is its least element, so a set that has a core element is
 * represented by its first one, the element that today's dense numbering (in the order of the
 * subvolumes, then of their local ids) gives the set's id. The phases, each writing files under
 * {@code work/}:
 *
 * <ol>
 *   <li>{@link #leaf}: shard {@code s} is subvolumes {@code [s * shard, (s + 1) * shard)}. A
 *       union-find over the shard's elements joins the pairs its subvolumes' overlap tables decide;
 *       the pairs with a neighbour in a later shard stay open, and the open pairs that earlier
 *       subvolumes (the earlier of the 26 neighbours of the shard's subvolumes) decide into the
 *       shard mark its own boundary elements. Writes every core element's root, the boundary
 *       elements' roots and the open pairs.
 *   <li>{@link #merge}: node {@code n} of level {@code L} combines at most {@code fanIn} nodes of
 *       level {@code L - 1}: a union-find over their boundary roots joins the open pairs inside the
 *       node; writes the roots that changed, and passes the rest up. The top level has no open
 *       pair.
 *   <li>{@link #resolve}: a leaf follows its roots through the renames of its ancestors to the
 *       final root and counts the sets it owns (those whose root is one of its elements).
 *   <li>{@link #number}: a leaf's dense global ids are the owned sets' ranks plus the prefix sum of
 *       the counts of the shards before it; ids of sets owned by an earlier shard are read from
 *       that shard's resolved roots, one shard at a time. Writes the subvolumes' maps.
 *   <li>{@link #segments}: per owner shard, the voxel counts of its sets summed over the shards
 *       that hold their members.
 * </ol>
 */
final class ShardedReconcile {
  /** The thin-contact rule of a pair: together, in A, in B. */
  interface JoinRule {
    boolean joins(long together, long inA, long inB);
  }

  /**
   * An element.
   *
   * @param sub the subvolume
   * @param local its local id
   * @param core whether it has voxels in the subvolume's core
   */
  record Element(long sub, long local, boolean core) implements Comparable<Element> {
    static final Comparator<Element> ORDER =
        Comparator.comparing((Element e) -> !e.core)
            .thenComparingLong(Element::sub)
            .thenComparingLong(Element::local);

    @Override
    public int compareTo(Element o) {
      return ORDER.compare(this, o);
    }

    String tsv() {
      return sub + "\t" + local + "\t" + (core ? 1 : 0);
    }

    static Element parse(String[] t, int i) {
      return new Element(Long.parseLong(t[i]), Long.parseLong(t[i + 1]), t[i + 2].equals("1"));
    }

    /** The same element without the core flag, as open pairs name it. */
    Element key() {
      return new Element(sub, local, false);
    }
  }

  /**
   * Figures of one leaf.
   *
   * @param coreElements local ids with core voxels
   * @param pairs pairs decided from the shard's own overlap tables
   * @param joined those joined
   */
  record LeafFigures(long coreElements, long pairs, long joined) {}

  private final Path overlaps;
  private final Path leaves;
  private final Path work;
  private final long subvolumes;
  private final BlockGrid grid;
  private final int shard;
  private final int fanIn;
  private final JoinRule rule;

  /**
   * @param overlaps {@code segment.overlaps}' output
   * @param leaves the folder of the leaves' files (phase 1)
   * @param work the folder of the later phases' files
   * @param grid the subvolume grid
   * @param shard subvolumes per shard
   * @param fanIn nodes of one level that a node of the next combines
   */
  ShardedReconcile(
      Path overlaps, Path leaves, Path work, BlockGrid grid, int shard, int fanIn, JoinRule rule) {
    this.overlaps = overlaps;
    this.leaves = leaves;
    this.work = work;
    this.grid = grid;
    this.subvolumes = grid.blockCount();
    this.shard = shard;
    this.fanIn = fanIn;
    this.rule = rule;
  }

  long shards() {
    return (subvolumes + shard - 1) / shard;
  }

  /** The top level: the first whose nodes number one. */
  int levels() {
    int l = 0;
    for (long n = shards(); n > 1; n = (n + fanIn - 1) / fanIn) {
      l++;
    }
    return l;
  }

  long nodes(int level) {
    long n = shards();
    for (int l = 0; l < level; l++) {
      n = (n + fanIn - 1) / fanIn;
    }
    return n;
  }

  private long leavesPerNode(int level) {
    long p = 1;
    for (int l = 0; l < level; l++) {
      p *= fanIn;
    }
    return p;
  }

  private Path file(String kind, int level, long node) {
    boolean leaf = level == 0 && !kind.equals(FINAL) && !kind.equals(OWNED);
    return (leaf ? leaves : work)
        .resolve("level" + level)
        .resolve(Long.toString(node / 1000))
        .resolve(node + kind);
  }

  /** Phase 1: the union-find of shard {@code s}. */
  LeafFigures leaf(long s) throws IOException {
    long a = s * shard;
    long b = Math.min(subvolumes, a + shard);
    LeafSets sets = new LeafSets(a, (int) (b - a));
    LongList inner = new LongList();
    LongList open = new LongList();
    // boundary element index -> least subvolume of a partner before the shard / greatest after it
    Map<Integer, long[]> boundary = new TreeMap<>();
    long pairs = 0;
    for (long u = a; u < b; u++) {
      SubvolumeOverlaps o = read(u);
      for (long[] row : o.coreVoxels()) {
        sets.addCore(u, row[0], row[1]);
      }
      for (SubvolumeOverlaps.Neighbour nb : o.neighbours()) {
        LongCounts inA = counts(nb.countsA());
        LongCounts inB = counts(nb.countsB());
        for (long[] p : nb.pairs()) {
          pairs++;
          if (!rule.joins(p[2], inA.get(p[0]), inB.get(p[1]))) {
            continue;
          }
          int i = sets.index(u, p[0]);
          if (nb.unit() < b) {
            inner.add(i, sets.index(nb.unit(), p[1]));
          } else {
            long[] r = boundary.computeIfAbsent(i, k -> new long[] {Long.MAX_VALUE, -1});
            r[1] = Math.max(r[1], nb.unit());
            open.add(u, p[0], nb.unit(), p[1]);
          }
        }
      }
    }
    // the pairs that earlier shards decide into this one: the elements they reach here are
    // boundary elements too
    for (long u : earlierNeighbours(a, b)) {
      SubvolumeOverlaps o = read(u);
      for (SubvolumeOverlaps.Neighbour nb : o.neighbours()) {
        if (nb.unit() < a || nb.unit() >= b) {
          continue;
        }
        LongCounts inA = counts(nb.countsA());
        LongCounts inB = counts(nb.countsB());
        for (long[] p : nb.pairs()) {
          if (rule.joins(p[2], inA.get(p[0]), inB.get(p[1]))) {
            long[] r =
                boundary.computeIfAbsent(
                    sets.index(nb.unit(), p[1]), k -> new long[] {Long.MAX_VALUE, -1});
            r[0] = Math.min(r[0], u);
          }
        }
      }
    }
    for (int k = 0; k < inner.size(); k += 2) {
      sets.union((int) inner.get(k), (int) inner.get(k + 1));
    }
    StringBuilder roots = new StringBuilder();
    int[] order = sets.coreOrder();
    for (int i : order) {
      roots.append(sets.sub(i)).append('\t').append(sets.local(i)).append('\t');
      roots.append(sets.voxels(i)).append('\t').append(sets.element(sets.find(i)).tsv());
      roots.append('\n');
    }
    write(file(ROOTS, 0, s), roots);
    StringBuilder bnd = new StringBuilder();
    for (Map.Entry<Integer, long[]> e : boundary.entrySet()) {
      int i = e.getKey();
      boundaryRow(bnd, sets.sub(i), sets.local(i), e.getValue(), sets.element(sets.find(i)));
    }
    write(file(BOUNDARY, 0, s), bnd);
    StringBuilder op = new StringBuilder();
    for (int k = 0; k < open.size(); k += 4) {
      op.append(open.get(k)).append('\t').append(open.get(k + 1)).append('\t');
      op.append(open.get(k + 2)).append('\t').append(open.get(k + 3)).append('\n');
    }
    write(file(OPEN, 0, s), op);
    LeafFigures f = new LeafFigures(order.length, pairs, inner.size() / 2 + open.size() / 4);
    write(
        file(FIGURES, 0, s),
        new StringBuilder()
            .append(f.coreElements())
            .append('\t')
            .append(f.pairs())
            .append('\t')
            .append(f.joined())
            .append('\n'));
    return f;
  }

  /** What leaf {@code s} wrote of its figures. */
  LeafFigures figures(long s) throws IOException {
    long[] f = new long[3];
    lines(
        file(FIGURES, 0, s),
        t -> {
          for (int i = 0; i < 3; i++) {
            f[i] = Long.parseLong(t[i]);
          }
        });
    return new LeafFigures(f[0], f[1], f[2]);
  }

  /** The subvolumes before {@code a} that neighbour one of {@code [a, b)}, ascending. */
  private java.util.SortedSet<Long> earlierNeighbours(long a, long b) {
    java.util.SortedSet<Long> out = new java.util.TreeSet<>();
    for (long v = a; v < b; v++) {
      Vec3 p = grid.position(v);
      for (int dz = -1; dz <= 1; dz++) {
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            long u = SegmentSteps.index(grid, p.x() + dx, p.y() + dy, p.z() + dz);
            if (u >= 0 && u < a) {
              out.add(u);
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * Phase 2: node {@code n} of {@code level} (from 1) joins the open pairs between its children and
   * keeps, of their boundary elements, those that a pair still open reaches from outside the node.
   */
  void merge(int level, long n) throws IOException {
    long startSub = n * leavesPerNode(level) * shard;
    long endSub = Math.min(subvolumes, startSub + leavesPerNode(level) * shard);
    Map<Element, Element> rootOf = new HashMap<>();
    Map<Element, long[]> reach = new HashMap<>();
    List<Element[]> open = new ArrayList<>();
    long end = Math.min(nodes(level - 1), (n + 1) * fanIn);
    for (long c = n * fanIn; c < end; c++) {
      lines(
          file(BOUNDARY, level - 1, c),
          t -> {
            Element e = new Element(Long.parseLong(t[0]), Long.parseLong(t[1]), false);
            reach.put(e, new long[] {Long.parseLong(t[2]), Long.parseLong(t[3])});
            rootOf.put(e, Element.parse(t, 4));
          });
      lines(
          file(OPEN, level - 1, c),
          t ->
              open.add(
                  new Element[] {
                    new Element(Long.parseLong(t[0]), Long.parseLong(t[1]), false),
                    new Element(Long.parseLong(t[2]), Long.parseLong(t[3]), false)
                  }));
    }
    Map<Element, Element> parent = new HashMap<>();
    StringBuilder op = new StringBuilder();
    for (Element[] p : open) {
      if (p[1].sub() < endSub) {
        union(parent, rootOf(rootOf, p[0]), rootOf(rootOf, p[1]));
      } else {
        op.append(p[0].sub()).append('\t').append(p[0].local()).append('\t');
        op.append(p[1].sub()).append('\t').append(p[1].local()).append('\n');
      }
    }
    StringBuilder renames = new StringBuilder();
    for (Element r : new java.util.TreeSet<>(parent.keySet())) {
      Element f = find(parent, r);
      if (!f.equals(r)) {
        renames.append(r.tsv()).append('\t').append(f.tsv()).append('\n');
      }
    }
    write(file(RENAMES, level, n), renames);
    StringBuilder bnd = new StringBuilder();
    List<Element> kept = new ArrayList<>();
    for (Map.Entry<Element, long[]> e : reach.entrySet()) {
      long[] r = e.getValue();
      if (r[0] < startSub || r[1] >= endSub) {
        kept.add(e.getKey());
      }
    }
    kept.sort(null);
    for (Element e : kept) {
      boundaryRow(bnd, e.sub(), e.local(), reach.get(e), find(parent, rootOf.get(e)));
    }
    write(file(BOUNDARY, level, n), bnd);
    write(file(OPEN, level, n), op);
  }

  /** Phase 3: leaf {@code s}'s final roots; returns how many sets it owns. */
  long resolve(long s) throws IOException {
    List<long[]> rows = new ArrayList<>();
    lines(
        file(ROOTS, 0, s),
        t ->
            rows.add(
                new long[] {
                  Long.parseLong(t[0]),
                  Long.parseLong(t[1]),
                  Long.parseLong(t[2]),
                  Long.parseLong(t[3]),
                  Long.parseLong(t[4])
                }));
    // the roots of core elements are core elements
    Map<Element, Element> root = new HashMap<>();
    for (long[] r : rows) {
      Element e = new Element(r[3], r[4], true);
      root.put(e, e);
    }
    for (int level = 1; level <= levels(); level++) {
      Map<Element, Element> renames = new HashMap<>();
      lines(
          file(RENAMES, level, s / leavesPerNode(level)),
          t -> renames.put(Element.parse(t, 0), Element.parse(t, 3)));
      root.replaceAll((k, v) -> renames.getOrDefault(v, v));
    }
    StringBuilder out = new StringBuilder();
    long owned = 0;
    for (long[] r : rows) {
      Element f = root.get(new Element(r[3], r[4], true));
      out.append(r[0]).append('\t').append(r[1]).append('\t').append(r[2]).append('\t');
      out.append(f.sub()).append('\t').append(f.local()).append('\n');
      if (f.sub() == r[0] && f.local() == r[1]) {
        owned++;
      }
    }
    write(file(FINAL, 0, s), out);
    write(file(OWNED, 0, s), new StringBuilder().append(owned).append('\n'));
    return owned;
  }

  /**
   * Phase 4: leaf {@code s}'s global ids, from {@code offsets} (the sets owned by the shards before
   * each shard); writes its subvolumes' maps into {@code maps} and its voxel counts per owner
   * shard.
   */
  void number(long s, long[] offsets, Path maps) throws IOException {
    List<long[]> rows = new ArrayList<>();
    lines(
        file(FINAL, 0, s),
        t ->
            rows.add(
                new long[] {
                  Long.parseLong(t[0]),
                  Long.parseLong(t[1]),
                  Long.parseLong(t[2]),
                  Long.parseLong(t[3]),
                  Long.parseLong(t[4])
                }));
    Map<Element, Long> ids = new HashMap<>();
    long next = offsets[(int) s];
    // ids of earlier shards' sets, one earlier shard at a time
    Map<Long, java.util.Set<Element>> wanted = new TreeMap<>();
    for (long[] r : rows) {
      Element root = new Element(r[3], r[4], true);
      if (r[3] == r[0] && r[4] == r[1]) {
        ids.put(root, ++next);
      } else if (r[3] / shard != s) {
        wanted.computeIfAbsent(r[3] / shard, k -> new java.util.HashSet<>()).add(root);
      }
    }
    for (Map.Entry<Long, java.util.Set<Element>> w : wanted.entrySet()) {
      long t = w.getKey();
      long[] id = {offsets[(int) t]};
      lines(
          file(FINAL, 0, t),
          r -> {
            if (r[0].equals(r[3]) && r[1].equals(r[4])) {
              id[0]++;
              Element e = new Element(Long.parseLong(r[0]), Long.parseLong(r[1]), true);
              if (w.getValue().contains(e)) {
                ids.put(e, id[0]);
              }
            }
          });
    }
    Map<Long, LongCounts> voxelsByOwner = new TreeMap<>();
    StringBuilder map = new StringBuilder("# local\tglobal\tvoxels\n");
    for (int k = 0; k < rows.size(); k++) {
      long[] r = rows.get(k);
      Long id = ids.get(new Element(r[3], r[4], true));
      if (id == null) {
        throw new IOException(
            file(FINAL, 0, s)
                + ": no global id for root "
                + r[3]
                + ":"
                + r[4]
                + " of shard "
                + r[3] / shard);
      }
      map.append(Long.toUnsignedString(r[1])).append('\t').append(id).append('\t');
      map.append(r[2]).append('\n');
      voxelsByOwner.computeIfAbsent(r[3] / shard, x -> new LongCounts(64)).add(id, r[2]);
      if (k + 1 == rows.size() || rows.get(k + 1)[0] != r[0]) {
        write(SegmentReconcileRunner.mapFile(maps, r[0]), map);
        map = new StringBuilder("# local\tglobal\tvoxels\n");
      }
    }
    // a subvolume without core ids still gets its (empty) map
    for (long u = s * shard; u < Math.min(subvolumes, (s + 1) * shard); u++) {
      Path f = SegmentReconcileRunner.mapFile(maps, u);
      if (!Files.exists(f)) {
        write(f, new StringBuilder("# local\tglobal\tvoxels\n"));
      }
    }
    for (Map.Entry<Long, LongCounts> e : voxelsByOwner.entrySet()) {
      StringBuilder b = new StringBuilder();
      LongCounts c = e.getValue();
      for (long id : c.sortedKeys()) {
        b.append(id).append('\t').append(c.get(id)).append('\n');
      }
      write(parts(e.getKey()).resolve(s + ".tsv"), b);
    }
  }

  /** The sets that the shards before each shard own: the prefix sums of their counts. */
  long[] offsets() throws IOException {
    long[] o = new long[Math.toIntExact(shards())];
    for (int s = 1; s < o.length; s++) {
      o[s] = o[s - 1] + owned(s - 1);
    }
    return o;
  }

  long owned(long s) throws IOException {
    return Long.parseLong(Files.readString(file(OWNED, 0, s)).trim());
  }

  /**
   * Phase 5: the voxel counts of the sets shard {@code t} owns, ids ascending, summed over the
   * shards holding their members.
   */
  void segments(long t, LongCounts.Entry each) throws IOException {
    LongCounts sum = new LongCounts(256);
    Path dir = parts(t);
    if (Files.isDirectory(dir)) {
      try (var files = Files.list(dir)) {
        for (Path f : files.sorted().toList()) {
          lines(f, r -> sum.add(Long.parseLong(r[0]), Long.parseLong(r[1])));
        }
      }
    }
    for (long id : sum.sortedKeys()) {
      each.accept(id, sum.get(id));
    }
  }

  private Path parts(long owner) {
    return work.resolve("parts").resolve(Long.toString(owner / 1000)).resolve(Long.toString(owner));
  }

  private static final String ROOTS = ".roots.tsv";
  private static final String BOUNDARY = ".boundary.tsv";
  private static final String OPEN = ".open.tsv";
  private static final String RENAMES = ".renames.tsv";
  private static final String FINAL = ".final.tsv";
  private static final String OWNED = ".owned";
  private static final String FIGURES = ".figures.tsv";

  private static void boundaryRow(
      StringBuilder b, long sub, long local, long[] reach, Element root) {
    b.append(sub).append('\t').append(local).append('\t').append(reach[0]).append('\t');
    b.append(reach[1]).append('\t').append(root.tsv()).append('\n');
  }

  private static Element rootOf(Map<Element, Element> rootOf, Element e) throws IOException {
    Element r = rootOf.get(e);
    if (r == null) {
      throw new IOException("no boundary entry for element " + e.sub() + ":" + e.local());
    }
    return r;
  }

  private static Element find(Map<Element, Element> parent, Element e) {
    Element r = e;
    for (Element p = parent.get(r); p != null && !p.equals(r); p = parent.get(r)) {
      r = p;
    }
    // compress the path
    for (Element x = e; !x.equals(r); ) {
      Element p = parent.get(x);
      parent.put(x, r);
      x = p;
    }
    return r;
  }

  /** Joins two sets; the least root stays the root. */
  private static void union(Map<Element, Element> parent, Element a, Element b) {
    parent.putIfAbsent(a, a);
    parent.putIfAbsent(b, b);
    Element ra = find(parent, a);
    Element rb = find(parent, b);
    int c = ra.compareTo(rb);
    if (c < 0) {
      parent.put(rb, ra);
    } else if (c > 0) {
      parent.put(ra, rb);
    }
  }

  private SubvolumeOverlaps read(long u) throws IOException {
    SubvolumeOverlaps o = SubvolumeOverlaps.read(overlaps, u);
    if (o.unit() != u) {
      throw new IOException(
          SubvolumeOverlaps.file(overlaps, u) + " is about subvolume " + o.unit());
    }
    return o;
  }

  private static LongCounts counts(long[][] rows) {
    LongCounts c = new LongCounts(Math.max(16, rows.length));
    for (long[] r : rows) {
      c.put(r[0], r[1]);
    }
    return c;
  }

  private static void write(Path f, StringBuilder b) throws IOException {
    AtomicFiles.write(f, b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a phase's TSV file row by row; a missing file names the phase that should have written
   * it.
   */
  private static void lines(Path f, Consumer<String[]> row) throws IOException {
    if (!Files.isRegularFile(f)) {
      throw new NoSuchFileException(
          f.toString(), null, "an earlier reconcile phase has not written it");
    }
    try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      int n = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        n++;
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        try {
          row.accept(line.split("\t"));
        } catch (RuntimeException e) {
          throw new IOException(f + " line " + n + ": " + e.getMessage(), e);
        }
      }
    }
  }

  /** A growable array of longs. */
  private static final class LongList {
    private long[] v = new long[64];
    private int n;

    void add(long... xs) {
      if (n + xs.length > v.length) {
        v = Arrays.copyOf(v, Math.max(v.length * 2, n + xs.length));
      }
      System.arraycopy(xs, 0, v, n, xs.length);
      n += xs.length;
    }

    long get(int i) {
      return v[i];
    }

    int size() {
      return n;
    }
  }

  /** The union-find of one shard: its subvolumes' local ids, least element the root. */
  private static final class LeafSets {
    private final long first;
    private final LongCounts[] index;
    private long[] sub = new long[1024];
    private long[] local = new long[1024];
    private long[] voxels = new long[1024];
    private int[] parent = new int[1024];
    private int size;

    LeafSets(long first, int subvolumes) {
      this.first = first;
      index = new LongCounts[subvolumes];
      for (int i = 0; i < subvolumes; i++) {
        index[i] = new LongCounts(64);
      }
    }

    void addCore(long u, long id, long n) {
      int i = index(u, id); // first: it may grow the arrays
      voxels[i] += n;
    }

    int index(long u, long id) {
      LongCounts m = index[(int) (u - first)];
      long i = m.getOrDefault(id, -1);
      if (i >= 0) {
        return (int) i;
      }
      if (size == sub.length) {
        int cap = size * 2;
        sub = Arrays.copyOf(sub, cap);
        local = Arrays.copyOf(local, cap);
        voxels = Arrays.copyOf(voxels, cap);
        parent = Arrays.copyOf(parent, cap);
      }
      sub[size] = u;
      local[size] = id;
      parent[size] = size;
      m.put(id, size);
      return size++;
    }

    long sub(int i) {
      return sub[i];
    }

    long local(int i) {
      return local[i];
    }

    long voxels(int i) {
      return voxels[i];
    }

    Element element(int i) {
      return new Element(sub[i], local[i], voxels[i] > 0);
    }

    int find(int a) {
      while (parent[a] != a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
      }
      return a;
    }

    void union(int a, int b) {
      int ra = find(a);
      int rb = find(b);
      int c = element(ra).compareTo(element(rb));
      if (c < 0) {
        parent[rb] = ra;
      } else if (c > 0) {
        parent[ra] = rb;
      }
    }

    /** The core elements in element order. */
    int[] coreOrder() {
      return java.util.stream.IntStream.range(0, size)
          .filter(i -> voxels[i] > 0)
          .boxed()
          .sorted(Comparator.comparing(this::element))
          .mapToInt(Integer::intValue)
          .toArray();
    }
  }
}
