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
 * The reconciliation of {@code segment.reconcile} cut so that no unit holds more than a shard of
 * subvolumes or the boundary between a bounded number of shards, whatever the volume's size.
 *
 * <p>An element is a subvolume's local id, {@code (subvolume, local)}. Elements are ordered core
 * elements first (those with voxels in their subvolume's core), then by subvolume, then by local
 * id: every set's representative is its least element, so a set that has a core element is
 * represented by its first one, and the dense global ids (in the order of the subvolumes, then of
 * their local ids) are the ranks of those representatives, whatever the sharding. The phases, each
 * a unit of its own and each writing files under {@code work/}:
 *
 * <ol>
 *   <li>{@link #leaf} ({@code segment.reconcile}): shard {@code s} is subvolumes {@code [s * shard,
 *       (s + 1) * shard)}. A union-find over the shard's elements joins the pairs its subvolumes'
 *       overlap tables decide; the pairs with a neighbour in a later shard stay open, and the open
 *       pairs that earlier subvolumes (the earlier of the 26 neighbours of the shard's subvolumes)
 *       decide into the shard mark its own boundary elements. Writes every core element's root, the
 *       boundary elements' roots, the open pairs, the sets still open (with their voxels) and the
 *       sets closed here (no boundary element: their voxels are final).
 *   <li>{@link #merge} (a round of {@code segment.merge} per level): node {@code n} of level {@code
 *       L} combines at most {@code fanIn} nodes of level {@code L - 1}: a union-find over their
 *       boundary roots joins the open pairs inside the node; writes the roots that changed, passes
 *       up the boundary elements that a pair still open reaches from outside the node, and closes
 *       the sets left without one. Its totals count the sets closed in its subtree.
 *   <li>{@link #number} (the last round, a unit per shard): a shard follows its roots through the
 *       renames of its ancestors to the final root; a set's id is the number of sets represented in
 *       the shards before its representative's shard (a prefix sum read off the totals of that
 *       shard's ancestors and their siblings) plus its rank in that shard. Writes the shard's
 *       subvolumes' maps and the list of the segments it represents.
 *   <li>{@link #finish} (the last round's first unit): the summary and the segment properties of
 *       the largest segments, from the top node's totals.
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

  /** Segments that the segment properties list: the largest, so that the file stays bounded. */
  static final int PROPERTIES_LIMIT = 10_000;

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
    return (level == 0 ? leaves : work)
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
    // the sets: those with a boundary element stay open, the others are closed here
    Map<Element, long[]> voxelsOf = new HashMap<>();
    java.util.Set<Element> openRoots = new java.util.HashSet<>();
    for (int i = 0; i < sets.size(); i++) {
      Element root = sets.element(sets.find(i));
      voxelsOf.computeIfAbsent(root, k -> new long[1])[0] += sets.voxels(i);
      if (boundary.containsKey(i)) {
        openRoots.add(root);
      }
    }
    List<Closed> closed = new ArrayList<>();
    StringBuilder openSets = new StringBuilder();
    for (Element root : new java.util.TreeSet<>(voxelsOf.keySet())) {
      long v = voxelsOf.get(root)[0];
      if (openRoots.contains(root)) {
        openSets.append(root.tsv()).append('\t').append(v).append('\n');
      } else if (root.core()) {
        closed.add(new Closed(root, v));
      }
    }
    write(file(SETS, 0, s), openSets);
    writeClosed(0, s, closed);
    LeafFigures f = new LeafFigures(order.length, pairs, inner.size() / 2 + open.size() / 4);
    long voxels = 0;
    long largest = 0;
    for (Closed c : closed) {
      voxels += c.voxels();
      largest = Math.max(largest, c.voxels());
    }
    writeTotals(
        0,
        s,
        new Totals(
            closed.size(),
            closed.size(),
            f.coreElements(),
            f.pairs(),
            f.joined(),
            voxels,
            largest,
            new long[0]));
    writeTop(0, s, largestOf(closed, List.of()));
    return f;
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
   * Phase 2: node {@code n} of {@code level} (from 1) joins the open pairs between its children,
   * keeps, of their boundary elements, those that a pair still open reaches from outside the node,
   * and closes the sets left without one.
   */
  void merge(int level, long n) throws IOException {
    long startSub = n * leavesPerNode(level) * shard;
    long endSub = Math.min(subvolumes, startSub + leavesPerNode(level) * shard);
    Map<Element, Element> rootOf = new HashMap<>();
    Map<Element, long[]> reach = new HashMap<>();
    List<Element[]> open = new ArrayList<>();
    Map<Element, Long> openSets = new HashMap<>();
    List<Totals> children = new ArrayList<>();
    List<Closed> childrenTop = new ArrayList<>();
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
      lines(
          file(SETS, level - 1, c),
          t -> openSets.merge(Element.parse(t, 0), Long.parseLong(t[3]), Long::sum));
      children.add(totals(level - 1, c));
      childrenTop.addAll(top(level - 1, c));
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
    java.util.Set<Element> stillOpen = new java.util.HashSet<>();
    for (Element e : kept) {
      Element root = find(parent, rootOf.get(e));
      stillOpen.add(root);
      boundaryRow(bnd, e.sub(), e.local(), reach.get(e), root);
    }
    write(file(BOUNDARY, level, n), bnd);
    write(file(OPEN, level, n), op);
    // the children's open sets under their new roots: still open, or closed here
    Map<Element, long[]> voxelsOf = new java.util.TreeMap<>();
    for (Map.Entry<Element, Long> e : openSets.entrySet()) {
      voxelsOf.computeIfAbsent(find(parent, e.getKey()), k -> new long[1])[0] += e.getValue();
    }
    StringBuilder sets = new StringBuilder();
    List<Closed> closed = new ArrayList<>();
    for (Map.Entry<Element, long[]> e : voxelsOf.entrySet()) {
      if (stillOpen.contains(e.getKey())) {
        sets.append(e.getKey().tsv()).append('\t').append(e.getValue()[0]).append('\n');
      } else if (e.getKey().core()) {
        closed.add(new Closed(e.getKey(), e.getValue()[0]));
      }
    }
    write(file(SETS, level, n), sets);
    writeClosed(level, n, closed);
    long[] sizes = new long[children.size()];
    long sum = closed.size();
    long local = 0;
    long pairs = 0;
    long joined = 0;
    long voxels = 0;
    long largest = 0;
    for (int i = 0; i < sizes.length; i++) {
      Totals c = children.get(i);
      sizes[i] = c.closed();
      sum += c.closed();
      local += c.localSegments();
      pairs += c.pairs();
      joined += c.joined();
      voxels += c.voxels();
      largest = Math.max(largest, c.largest());
    }
    for (Closed c : closed) {
      voxels += c.voxels();
      largest = Math.max(largest, c.voxels());
    }
    writeTotals(
        level, n, new Totals(sum, closed.size(), local, pairs, joined, voxels, largest, sizes));
    writeTop(level, n, largestOf(closed, childrenTop));
  }

  /**
   * Phase 3: shard {@code s}'s final roots and dense global ids; writes its subvolumes' maps into
   * {@code out} and the segments it represents ({@code id, voxels}, ids ascending) into {@code
   * out}'s segment list.
   */
  void number(long s, Path out) throws IOException {
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
    // ids by the shard that represents each set, one shard at a time
    Map<Long, java.util.Set<Element>> byOwner = new TreeMap<>();
    for (Element f : root.values()) {
      byOwner.computeIfAbsent(f.sub() / shard, k -> new java.util.HashSet<>()).add(f);
    }
    Map<Element, Long> ids = new HashMap<>();
    for (Map.Entry<Long, java.util.Set<Element>> e : byOwner.entrySet()) {
      Represented owner = represented(e.getKey());
      for (Element f : e.getValue()) {
        ids.put(f, owner.id(f, file(ROOTS, 0, s)));
      }
    }
    StringBuilder map = new StringBuilder("# local\tglobal\tvoxels\n");
    for (int k = 0; k < rows.size(); k++) {
      long[] r = rows.get(k);
      long id = ids.get(root.get(new Element(r[3], r[4], true)));
      map.append(Long.toUnsignedString(r[1])).append('\t').append(id).append('\t');
      map.append(r[2]).append('\n');
      if (k + 1 == rows.size() || rows.get(k + 1)[0] != r[0]) {
        write(SegmentReconcileRunner.mapFile(out, r[0]), map);
        map = new StringBuilder("# local\tglobal\tvoxels\n");
      }
    }
    // a subvolume without core ids still gets its (empty) map
    for (long u = s * shard; u < Math.min(subvolumes, (s + 1) * shard); u++) {
      Path f = SegmentReconcileRunner.mapFile(out, u);
      if (!Files.exists(f)) {
        write(f, new StringBuilder("# local\tglobal\tvoxels\n"));
      }
    }
    Represented own = represented(s);
    StringBuilder list = new StringBuilder("# id\tvoxels\n");
    for (int i = 0; i < own.roots.size(); i++) {
      list.append(own.offset + i + 1).append('\t').append(own.roots.get(i).voxels()).append('\n');
    }
    write(segmentsPart(out, s), list);
  }

  /** Shard {@code s}'s part of the segment list in {@code out}. */
  static Path segmentsPart(Path out, long s) {
    return SegmentSteps.unitFile(out.resolve("segments"), s, "", ".tsv");
  }

  /**
   * Phase 4: the figures of the whole reconciliation and the largest segments with their ids, from
   * the top node (the one shard when there is one).
   */
  Finished finish() throws IOException {
    int top = levels();
    Totals t = totals(top, 0);
    Map<Long, Long> largest = new TreeMap<>();
    Map<Long, List<Closed>> byOwner = new TreeMap<>();
    for (Closed c : top(top, 0)) {
      byOwner.computeIfAbsent(c.root().sub() / shard, k -> new ArrayList<>()).add(c);
    }
    for (Map.Entry<Long, List<Closed>> e : byOwner.entrySet()) {
      Represented owner = represented(e.getKey());
      for (Closed c : e.getValue()) {
        largest.put(owner.id(c.root(), file(TOP, top, 0)), c.voxels());
      }
    }
    return new Finished(t, largest);
  }

  /**
   * What {@link #finish} found.
   *
   * @param totals the top node's totals: the segments are its closed sets
   * @param largest the ids and voxel counts of the largest segments (at most {@link
   *     #PROPERTIES_LIMIT}), ids ascending
   */
  record Finished(Totals totals, Map<Long, Long> largest) {}

  /**
   * The sets that shard {@code t} represents (their least element is one of its elements), in
   * element order, and the number represented by the shards before it.
   */
  private Represented represented(long t) throws IOException {
    List<Closed> roots = new ArrayList<>(closed(0, t));
    long offset = 0;
    for (int level = 1; level <= levels(); level++) {
      long node = t / leavesPerNode(level);
      long child = t / leavesPerNode(level - 1);
      Totals a = totals(level, node);
      for (long c = node * fanIn; c < child; c++) {
        offset += a.children()[(int) (c - node * fanIn)];
      }
      for (Closed c : closed(level, node)) {
        long owner = c.root().sub() / shard;
        if (owner < t) {
          offset++;
        } else if (owner == t) {
          roots.add(c);
        }
      }
    }
    roots.sort(java.util.Comparator.comparing(Closed::root));
    return new Represented(offset, roots);
  }

  /** The sets a shard represents and the number before it: their ids are offset + rank + 1. */
  private record Represented(long offset, List<Closed> roots) {
    long id(Element root, Path readBy) throws IOException {
      int i =
          java.util.Collections.binarySearch(
              roots, new Closed(root, 0), java.util.Comparator.comparing(Closed::root));
      if (i < 0) {
        throw new IOException(
            readBy
                + ": no closed set has root "
                + root.sub()
                + ":"
                + root.local()
                + " (an earlier merge level is incomplete)");
      }
      return offset + i + 1;
    }
  }

  /** A set closed at a node: its representative and its voxels. */
  record Closed(Element root, long voxels) {}

  /**
   * The totals of a node's subtree.
   *
   * @param closed sets closed in the subtree (at the node or below)
   * @param closedHere sets closed at the node
   * @param localSegments core elements of the subtree's shards
   * @param pairs co-occurring pairs its shards considered
   * @param joined those that met the rules
   * @param voxels voxels of the sets closed in the subtree
   * @param largest voxels of the largest of them
   * @param children {@code closed} of each child, in order (none for a shard)
   */
  record Totals(
      long closed,
      long closedHere,
      long localSegments,
      long pairs,
      long joined,
      long voxels,
      long largest,
      long[] children) {}

  private void writeTotals(int level, long node, Totals t) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append(t.closed()).append('\t').append(t.closedHere()).append('\t');
    b.append(t.localSegments()).append('\t').append(t.pairs()).append('\t');
    b.append(t.joined()).append('\t').append(t.voxels()).append('\t');
    b.append(t.largest()).append('\n');
    for (int i = 0; i < t.children().length; i++) {
      b.append(i == 0 ? "" : "\t").append(t.children()[i]);
    }
    b.append('\n');
    write(file(TOTALS, level, node), b);
  }

  Totals totals(int level, long node) throws IOException {
    List<String[]> rows = new ArrayList<>();
    lines(file(TOTALS, level, node), rows::add);
    String[] t = rows.get(0);
    long[] children =
        rows.size() < 2
            ? new long[0]
            : java.util.Arrays.stream(rows.get(1)).mapToLong(Long::parseLong).toArray();
    return new Totals(
        Long.parseLong(t[0]),
        Long.parseLong(t[1]),
        Long.parseLong(t[2]),
        Long.parseLong(t[3]),
        Long.parseLong(t[4]),
        Long.parseLong(t[5]),
        Long.parseLong(t[6]),
        children);
  }

  private void writeClosed(int level, long node, List<Closed> closed) throws IOException {
    writeSets(file(CLOSED, level, node), closed);
  }

  private List<Closed> closed(int level, long node) throws IOException {
    return readClosed(file(CLOSED, level, node));
  }

  private void writeTop(int level, long node, List<Closed> top) throws IOException {
    writeSets(file(TOP, level, node), top);
  }

  private List<Closed> top(int level, long node) throws IOException {
    return readClosed(file(TOP, level, node));
  }

  /** Sets as {@code root, voxels} rows, in the order given. */
  private static void writeSets(Path f, List<Closed> sets) throws IOException {
    StringBuilder b = new StringBuilder();
    for (Closed c : sets) {
      b.append(c.root().tsv()).append('\t').append(c.voxels()).append('\n');
    }
    write(f, b);
  }

  private static List<Closed> readClosed(Path f) throws IOException {
    List<Closed> out = new ArrayList<>();
    lines(f, t -> out.add(new Closed(Element.parse(t, 0), Long.parseLong(t[3]))));
    return out;
  }

  /** The largest sets of {@code a} and {@code b}, at most {@link #PROPERTIES_LIMIT}. */
  private static List<Closed> largestOf(List<Closed> a, List<Closed> b) {
    List<Closed> all = new ArrayList<>(a);
    all.addAll(b);
    all.sort(
        java.util.Comparator.comparingLong(Closed::voxels).reversed().thenComparing(Closed::root));
    return all.size() > PROPERTIES_LIMIT ? all.subList(0, PROPERTIES_LIMIT) : all;
  }

  private static final String ROOTS = ".roots.tsv";
  private static final String BOUNDARY = ".boundary.tsv";
  private static final String OPEN = ".open.tsv";
  private static final String RENAMES = ".renames.tsv";
  private static final String SETS = ".sets.tsv";
  private static final String CLOSED = ".closed.tsv";
  private static final String TOTALS = ".totals.tsv";
  private static final String TOP = ".top.tsv";

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

    int size() {
      return size;
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
