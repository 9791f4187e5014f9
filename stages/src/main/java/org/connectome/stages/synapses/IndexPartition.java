package org.connectome.stages.synapses;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Planners;
import org.connectome.pipeline.ShardLayout;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.Annotations;
import org.connectome.stages.precomputed.AnnotationsWriter;
import org.connectome.stages.precomputed.AtomicFiles;
import org.connectome.stages.precomputed.ShardingSpec;
import org.connectome.stages.precomputed.Shards;

/**
 * The annotation collection of {@code synapses.index} built as many units, none holding every
 * synapse. Unit {@code u} covers the detect blocks whose compressed Morton code (in the detect
 * grid) lies in {@code [u * g, (u + 1) * g)} ({@code g} = {@code indexBlocks}, a power of two), an
 * aligned box of blocks, and one bucket of segments:
 *
 * <ul>
 *   <li>ids come from the block, not from a global sort: {@code code << 20 | ordinal}, the ordinal
 *       counting the block's sites from 1 in their z, y, x order;
 *   <li>{@code by_id} is sharded with the identity hash over the block's code ({@code
 *       preshift_bits} 20 and more), so shard {@code u} holds exactly the ids of unit {@code u}'s
 *       blocks;
 *   <li>the spatial index is one level whose cells are the detect blocks, sharded the same way over
 *       the cells' Morton codes: a unit writes its blocks' cells, empty ones too;
 *   <li>the pre/post indexes are sharded by murmurhash3 over the segment id with one shard bit per
 *       unit bit: bucket {@code u} is the shards {@code s} with {@code s mod units = u}. A box
 *       writes its blocks' relations (and the segments they saw) into one part per bucket they
 *       reach; in the step's second round, bucket {@code u} reads only its parts and writes its
 *       shards (the shuffle of a map-reduce);
 *   <li>the table is {@code synapses-<u>-of-<units>.tsv}, written last by box {@code u}.
 * </ul>
 *
 * <p>The {@code info} is fixed by the parameters and the geometry, so every unit writes the same
 * bytes. A box's memory and reading are its blocks' sites; a bucket's are its relations, see
 * docs/data-layout.md.
 */
public final class IndexPartition {
  /** Low bits of a site id: its ordinal in its block, from 1. */
  public static final int ORDINAL_BITS = 20;

  /** Minishard bits of the related-object shards. */
  static final int RELATED_MINISHARD_BITS = 6;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private IndexPartition() {}

  /**
   * How the detect grid is cut.
   *
   * @param grid the detect step's block grid
   * @param blocksPerUnit detect blocks per unit, a power of two
   * @param sharded whether by_id and the relationship indexes are sharded
   */
  public record Layout(BlockGrid grid, int blocksPerUnit, boolean sharded) {
    public Layout {
      if (Integer.bitCount(blocksPerUnit) != 1) {
        throw new IllegalArgumentException(
            "indexBlocks must be a power of two, not " + blocksPerUnit);
      }
    }

    public long units() {
      return Planners.BlockRangesPlanner.ranges(grid, blocksPerUnit);
    }

    private int unitCodeBits() {
      return Integer.numberOfTrailingZeros(blocksPerUnit);
    }

    /** Minishards of a unit's shard: at most 2^9 (a shard index of 8 KiB), the rest preshift. */
    private int minishardBits() {
      return Math.min(ShardLayout.MAX_MINISHARD_BITS, unitCodeBits());
    }

    /** The spatial level: identity over the cell's Morton code, one shard per unit. */
    public ShardingSpec spatial() {
      return new ShardingSpec(
          ShardingSpec.TYPE,
          unitCodeBits() - minishardBits(),
          ShardingSpec.IDENTITY,
          minishardBits(),
          unitBits(),
          ShardingSpec.GZIP,
          ShardingSpec.GZIP);
    }

    int unitBits() {
      long u = units();
      return u <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(u - 1);
    }

    /** by_id: identity over the block's Morton code, one shard per unit. */
    public ShardingSpec byId() {
      return new ShardingSpec(
          ShardingSpec.TYPE,
          ORDINAL_BITS + unitCodeBits() - minishardBits(),
          ShardingSpec.IDENTITY,
          minishardBits(),
          unitBits(),
          ShardingSpec.GZIP,
          ShardingSpec.GZIP);
    }

    /** The relationship indexes: murmurhash3 over the segment, shards dealt round the units. */
    public ShardingSpec related() {
      return new ShardingSpec(
          ShardingSpec.TYPE,
          0,
          ShardingSpec.MURMUR,
          RELATED_MINISHARD_BITS,
          unitBits(),
          ShardingSpec.GZIP,
          ShardingSpec.GZIP);
    }

    /** The unit whose bucket holds {@code segment}'s relationship entries. */
    public long bucketOf(long segment) {
      return related().shardOf(segment) % units();
    }
  }

  /** The id of the {@code ordinal}-th (from 0) site of the block of Morton code {@code block}. */
  public static long id(long block, int ordinal) {
    if (block >= 1L << (63 - ORDINAL_BITS)) {
      throw new IllegalArgumentException("block code " + block + " leaves no room for site ids");
    }
    if (ordinal + 1L >= 1L << ORDINAL_BITS) {
      throw new IllegalArgumentException(
          "block " + block + " has more than " + ((1 << ORDINAL_BITS) - 2) + " sites");
    }
    return (block << ORDINAL_BITS) | (ordinal + 1L);
  }

  /** The table part of unit {@code unit} of {@code units}. */
  public static String tablePart(long unit, long units) {
    return "synapses-" + unit + "-of-" + units + ".tsv";
  }

  /**
   * A relation of a site to a segment, as a box hands it to the segment's bucket.
   *
   * @param relationship 0 pre, 1 post; -1 for a segment that a block saw (its entry exists, empty
   *     without synapses)
   * @param segment the segment
   * @param id the site's id, or 0
   * @param site the site, or null
   */
  record Relation(int relationship, long segment, long id, Site site) {}

  /** Box {@code unit}'s part of bucket {@code bucket}'s relations. */
  static Path relationPart(Path relationsDir, long bucket, long unit) {
    return relationsDir
        .resolve(Long.toString(bucket / 1000))
        .resolve(Long.toString(bucket))
        .resolve(unit + ".jsonl");
  }

  /**
   * Round one, box {@code unit}: its share of the by-id and spatial indexes in {@code
   * annotationsDir}, its blocks' relations in a part per bucket in {@code relationsDir}, and its
   * table part in {@code detectOutputDir} (last).
   *
   * @return the relation parts and the table part written, the table part last
   */
  public static List<Path> box(
      Layout layout,
      long unit,
      Path detectOutputDir,
      String paramsHash,
      Path annotationsDir,
      Path relationsDir,
      double[] resolutionNm,
      int spatialLimit)
      throws IOException {
    BlockGrid grid = layout.grid();
    Annotations.Schema schema = SynapseIndex.schema(resolutionNm);
    Vec3 cells = grid.gridSize();
    StringBuilder table = new StringBuilder(SynapseIndex.HEADER).append('\n');
    Map<Long, byte[]> byId = new TreeMap<>(Long::compareUnsigned);
    Map<Long, byte[]> spatial = new TreeMap<>(Long::compareUnsigned);
    Map<Long, StringBuilder> relations = new TreeMap<>();
    for (long code = unit * layout.blocksPerUnit();
        code < (unit + 1) * layout.blocksPerUnit();
        code++) {
      Vec3 c = ShardLayout.mortonPosition(cells, code);
      if (c == null) {
        continue;
      }
      long b = c.x() + cells.x() * (c.y() + cells.y() * c.z());
      BlockSites bs = read(detectOutputDir, b, paramsHash);
      List<Site> sites = bs.sites();
      relations(layout, bs, code, relations);
      List<Annotations.Point> cell = new ArrayList<>(sites.size());
      for (int i = 0; i < sites.size(); i++) {
        SynapseIndex.Entry e = new SynapseIndex.Entry(id(code, i), sites.get(i));
        SynapseIndex.appendRow(table, e);
        Annotations.Point p = SynapseIndex.point(e);
        cell.add(p);
        byte[] single = schema.encodeSingle(p);
        if (layout.sharded()) {
          byId.put(p.id(), single);
        } else {
          AtomicFiles.writeIfChanged(
              annotationsDir.resolve("by_id").resolve(Long.toUnsignedString(p.id())), single);
        }
      }
      // every cell, empty ones too: a viewer asks for every visible cell
      byte[] list = schema.encodeList(AnnotationsWriter.cellOrder(cell));
      if (layout.sharded()) {
        spatial.put(code, list);
      } else {
        AtomicFiles.writeIfChanged(
            annotationsDir.resolve("spatial0").resolve(c.x() + "_" + c.y() + "_" + c.z()), list);
      }
    }
    if (layout.sharded()) {
      // written even when empty: a viewer then reads an empty shard rather than a 404
      AtomicFiles.writeIfChanged(
          annotationsDir.resolve("by_id").resolve(layout.byId().fileName(unit)),
          Shards.write(layout.byId(), byId, null));
      AtomicFiles.writeIfChanged(
          annotationsDir.resolve("spatial0").resolve(layout.spatial().fileName(unit)),
          Shards.write(layout.spatial(), spatial, null));
    }
    List<Path> written = new ArrayList<>();
    for (Map.Entry<Long, StringBuilder> r : relations.entrySet()) {
      Path f = relationPart(relationsDir, r.getKey(), unit);
      AtomicFiles.writeIfChanged(f, r.getValue().toString().getBytes(StandardCharsets.UTF_8));
      written.add(f);
    }
    AtomicFiles.writeIfChanged(annotationsDir.resolve("info"), info(layout, schema, spatialLimit));
    Path part = detectOutputDir.resolve(tablePart(unit, layout.units()));
    // the table part last: its presence says the unit's share of the annotations is complete
    AtomicFiles.writeIfChanged(part, table.toString().getBytes(StandardCharsets.UTF_8));
    written.add(part);
    return written;
  }

  /** Block {@code bs}'s relations (and the segments it saw), appended to their buckets' parts. */
  private static void relations(
      Layout layout, BlockSites bs, long code, Map<Long, StringBuilder> parts) throws IOException {
    if (bs.segments() != null) {
      for (long s : bs.segments()) {
        if (s != 0) {
          line(parts, layout, new Relation(-1, s, 0, null));
        }
      }
    }
    List<Site> sites = bs.sites();
    for (int i = 0; i < sites.size(); i++) {
      Site s = sites.get(i);
      long[] ends = {s.pre(), s.post()};
      for (int r = 0; r < ends.length; r++) {
        if (ends[r] != 0) {
          line(parts, layout, new Relation(r, ends[r], id(code, i), s));
        }
      }
    }
  }

  private static void line(Map<Long, StringBuilder> parts, Layout layout, Relation r)
      throws IOException {
    parts
        .computeIfAbsent(layout.bucketOf(r.segment()), k -> new StringBuilder())
        .append(LINES.writeValueAsString(r))
        .append('\n');
  }

  private static final ObjectMapper LINES = new ObjectMapper();

  /**
   * Round two, bucket {@code bucket}: its shards of the pre/post indexes in {@code annotationsDir},
   * from the parts the boxes wrote for it in {@code relationsDir} (a bucket no block reached has
   * none, and gets empty shards).
   *
   * @return the files written
   */
  public static List<Path> bucket(
      Layout layout, long bucket, Path relationsDir, Path annotationsDir, double[] resolutionNm)
      throws IOException {
    Annotations.Schema schema = SynapseIndex.schema(resolutionNm);
    List<String> rels = schema.relationships();
    List<Map<Long, List<Annotations.Point>>> byObject = new ArrayList<>();
    for (int r = 0; r < rels.size(); r++) {
      byObject.add(new TreeMap<>());
    }
    Path dir = relationPart(relationsDir, bucket, 0).getParent();
    List<Path> parts = List.of();
    if (java.nio.file.Files.isDirectory(dir)) {
      try (var files = java.nio.file.Files.list(dir)) {
        parts = files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
      }
    }
    for (Path f : parts) {
      int n = 0;
      for (String line : java.nio.file.Files.readAllLines(f, StandardCharsets.UTF_8)) {
        n++;
        Relation r;
        try {
          r = LINES.readValue(line, Relation.class);
        } catch (IOException e) {
          throw new IOException(f + " line " + n + ": " + e.getMessage(), e);
        }
        if (layout.bucketOf(r.segment()) != bucket) {
          throw new IOException(f + " line " + n + ": segment " + r.segment() + " is not ours");
        }
        if (r.relationship() < 0) {
          for (Map<Long, List<Annotations.Point>> m : byObject) {
            m.computeIfAbsent(r.segment(), k -> new ArrayList<>());
          }
        } else {
          byObject
              .get(r.relationship())
              .computeIfAbsent(r.segment(), k -> new ArrayList<>())
              .add(SynapseIndex.point(new SynapseIndex.Entry(r.id(), r.site())));
        }
      }
    }
    List<Path> written = new ArrayList<>();
    ShardingSpec spec = layout.related();
    for (int r = 0; r < rels.size(); r++) {
      Path out = annotationsDir.resolve(AnnotationsWriter.relationshipKey(rels.get(r)));
      Map<Long, Map<Long, byte[]>> shards = new HashMap<>();
      for (long s = bucket; s < 1L << layout.unitBits(); s += layout.units()) {
        shards.put(s, new TreeMap<>(Long::compareUnsigned));
      }
      for (Map.Entry<Long, List<Annotations.Point>> e : byObject.get(r).entrySet()) {
        // in id order whatever order the parts came in
        List<Annotations.Point> points = new ArrayList<>(e.getValue());
        points.sort(java.util.Comparator.comparingLong(Annotations.Point::id));
        byte[] list = schema.encodeList(points);
        if (layout.sharded()) {
          shards.get(spec.shardOf(e.getKey())).put(e.getKey(), list);
        } else {
          Path f = out.resolve(Long.toUnsignedString(e.getKey()));
          AtomicFiles.writeIfChanged(f, list);
          written.add(f);
        }
      }
      if (layout.sharded()) {
        for (Map.Entry<Long, Map<Long, byte[]>> s : shards.entrySet()) {
          Path f = out.resolve(spec.fileName(s.getKey()));
          AtomicFiles.writeIfChanged(f, Shards.write(spec, s.getValue(), null));
          written.add(f);
        }
      }
    }
    return written;
  }

  /** The info: the same bytes from every unit (parameters and geometry only). */
  static byte[] info(Layout layout, Annotations.Schema schema, int spatialLimit)
      throws IOException {
    BlockGrid grid = layout.grid();
    Vec3 v = grid.volume();
    Vec3 g = grid.gridSize();
    Vec3 bs = grid.blockSize();
    AnnotationsWriter writer =
        new AnnotationsWriter(
            schema, new double[] {0, 0, 0}, new double[] {v.x(), v.y(), v.z()}, spatialLimit);
    AnnotationsWriter.Level level =
        new AnnotationsWriter.Level(
            new int[] {Math.toIntExact(g.x()), Math.toIntExact(g.y()), Math.toIntExact(g.z())},
            new double[] {bs.x(), bs.y(), bs.z()},
            Map.of());
    Map<String, ShardingSpec> specs = new LinkedHashMap<>();
    if (layout.sharded()) {
      specs.put("by_id", layout.byId());
      specs.put("spatial0", layout.spatial());
      for (String r : schema.relationships()) {
        specs.put(AnnotationsWriter.relationshipKey(r), layout.related());
      }
    }
    return JSON.writeValueAsBytes(writer.info(List.of(level), specs));
  }

  private static BlockSites read(Path detectOutputDir, long block, String paramsHash)
      throws IOException {
    return BlockSites.read(BlockSites.file(detectOutputDir, block, paramsHash));
  }
}
