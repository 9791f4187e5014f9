package org.connectome.stages.precomputed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Writes a point annotation collection in Neuroglancer's precomputed format (unsharded): the {@code
 * info}, the annotation id index {@code by_id/<id>}, one related-object index per relationship
 * {@code rel_<relationship>/<id>}, and a multi-level spatial index {@code spatial<k>/<i>_<j>_<l>}.
 *
 * <p>Spatial levels follow the format's recipe: level 0 is one cell over the bounds; each next
 * level halves the cell along every dimension whose physical size is more than half the largest
 * (the most isotropic choice); a level emits from each cell a uniform subsample of the annotations
 * not yet emitted, with probability {@code min(1, limit / most remaining in a cell)}; levels are
 * added until everything is emitted. The subsample and the order within a cell come from a hash of
 * the annotation id, so the same annotations always give the same bytes: concurrent writers of one
 * collection write identical files.
 *
 * <p>Every file is written atomically and the {@code info} last; files of an earlier collection in
 * the same folder that the new one does not have are removed afterwards, so a reader sees the old
 * collection or the new one file by file, never a half-written file. Cells of a level with at most
 * {@link #EMPTY_CELL_FILES_UP_TO} cells are written even when empty (a count of 0): Neuroglancer
 * asks for every visible cell, and an empty list answers without an HTTP 404.
 */
public final class AnnotationsWriter {
  /** Levels with at most this many cells get a file for every cell, empty or not. */
  public static final int EMPTY_CELL_FILES_UP_TO = 4096;

  /** Most spatial levels written; the last one emits whatever remains. */
  public static final int MAX_LEVELS = 16;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Annotations.Schema schema;
  private final double[] lower;
  private final double[] upper;
  private final int limit;
  private final long idsPerShard;

  /** This writer, writing every index sharded with about {@code idsPerShard} keys per shard. */
  public AnnotationsWriter sharded(long idsPerShard) {
    if (idsPerShard < 1) {
      throw new IllegalArgumentException("ids per shard must be >= 1, not " + idsPerShard);
    }
    return new AnnotationsWriter(schema, lower, upper, limit, idsPerShard);
  }

  public boolean isSharded() {
    return idsPerShard > 0;
  }

  private AnnotationsWriter(
      Annotations.Schema schema, double[] lower, double[] upper, int limit, long idsPerShard) {
    this.schema = schema;
    this.lower = lower;
    this.upper = upper;
    this.limit = limit;
    this.idsPerShard = idsPerShard;
  }

  /**
   * @param schema the collection's schema
   * @param lower lower bound of every position, in the dimensions' units (the spatial grid's
   *     origin)
   * @param upper exclusive upper bound
   * @param limit most annotations per spatial cell per level (Neuroglancer's {@code limit})
   */
  public AnnotationsWriter(Annotations.Schema schema, double[] lower, double[] upper, int limit) {
    if (lower.length != schema.rank() || upper.length != schema.rank()) {
      throw new IllegalArgumentException("bounds need " + schema.rank() + " coordinates");
    }
    for (int d = 0; d < lower.length; d++) {
      if (!(upper[d] > lower[d])) {
        throw new IllegalArgumentException("empty bounds along " + schema.dimensions().get(d));
      }
    }
    if (limit < 1) {
      throw new IllegalArgumentException("spatial index limit must be >= 1, not " + limit);
    }
    this.schema = schema;
    this.lower = lower.clone();
    this.upper = upper.clone();
    this.limit = limit;
    this.idsPerShard = 0;
  }

  /**
   * One spatial index level: its grid and, per cell (grid coordinates joined by '_'), the
   * annotations it emits.
   */
  public record Level(
      int[] gridShape, double[] chunkSize, Map<String, List<Annotations.Point>> cells) {}

  /** The spatial index levels of {@code points}, coarse to fine. */
  public List<Level> spatialLevels(List<Annotations.Point> points) {
    int rank = schema.rank();
    double[] metres = schema.metres();
    double[] chunk = new double[rank];
    int[] shape = new int[rank];
    for (int d = 0; d < rank; d++) {
      chunk[d] = upper[d] - lower[d];
      shape[d] = 1;
    }
    List<Annotations.Point> remaining = new ArrayList<>(points);
    for (Annotations.Point p : points) {
      for (int d = 0; d < rank; d++) {
        double c = p.position()[d];
        if (!(c >= lower[d] && c <= upper[d])) {
          throw new IllegalArgumentException(
              "annotation "
                  + Long.toUnsignedString(p.id())
                  + " lies outside the"
                  + " bounds along "
                  + schema.dimensions().get(d)
                  + ": "
                  + c);
        }
      }
    }
    List<Level> levels = new ArrayList<>();
    while (true) {
      Map<String, List<Annotations.Point>> byCell = new TreeMap<>();
      for (Annotations.Point p : remaining) {
        byCell.computeIfAbsent(cellName(p, chunk, shape), k -> new ArrayList<>()).add(p);
      }
      int most = byCell.values().stream().mapToInt(List::size).max().orElse(0);
      boolean last = levels.size() == MAX_LEVELS - 1;
      double keep = last || most <= limit ? 1.0 : (double) limit / most;
      Map<String, List<Annotations.Point>> emitted = new TreeMap<>();
      List<Annotations.Point> next = new ArrayList<>();
      for (Map.Entry<String, List<Annotations.Point>> e : byCell.entrySet()) {
        List<Annotations.Point> out = new ArrayList<>();
        for (Annotations.Point p : e.getValue()) {
          if (keep >= 1.0 || unit(mix(p.id())) < keep) {
            out.add(p);
          } else {
            next.add(p);
          }
        }
        if (!out.isEmpty()) {
          emitted.put(e.getKey(), cellOrder(out));
        }
      }
      levels.add(new Level(shape.clone(), chunk.clone(), emitted));
      remaining = next;
      if (remaining.isEmpty()) {
        return levels;
      }
      // halve along the dimensions whose physical size is more than half the largest: the most
      // isotropic cells
      double largest = 0;
      for (int d = 0; d < rank; d++) {
        largest = Math.max(largest, chunk[d] * metres[d]);
      }
      for (int d = 0; d < rank; d++) {
        if (chunk[d] * metres[d] > largest / 2 * (1 + 1e-9)) {
          chunk[d] /= 2;
          shape[d] *= 2;
        }
      }
    }
  }

  /**
   * The points of a spatial cell in the order the format asks for, a random one: a fixed one from
   * the id hash keeps files reproducible.
   */
  public static List<Annotations.Point> cellOrder(List<Annotations.Point> points) {
    List<Annotations.Point> out = new ArrayList<>(points);
    out.sort(
        Comparator.comparingLong((Annotations.Point p) -> mix(p.id() ^ 0x5DEECE66DL))
            .thenComparingLong(Annotations.Point::id));
    return out;
  }

  private String cellName(Annotations.Point p, double[] chunk, int[] shape) {
    StringBuilder b = new StringBuilder();
    for (int d = 0; d < chunk.length; d++) {
      int c = (int) Math.floor((p.position()[d] - lower[d]) / chunk[d]);
      c = Math.max(0, Math.min(shape[d] - 1, c));
      if (d > 0) {
        b.append('_');
      }
      b.append(c);
    }
    return b.toString();
  }

  /** The {@code info} JSON (unsharded). */
  public Map<String, Object> info(List<Level> levels) {
    return info(levels, Map.of());
  }

  /** The {@code info} JSON; {@code sharding} maps an index key to its sharding spec. */
  public Map<String, Object> info(List<Level> levels, Map<String, ShardingSpec> sharding) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("@type", "neuroglancer_annotations_v1");
    Map<String, Object> dims = new LinkedHashMap<>();
    double[] metres = schema.metres();
    for (int d = 0; d < schema.rank(); d++) {
      dims.put(schema.dimensions().get(d), List.of(metres[d], "m"));
    }
    m.put("dimensions", dims);
    m.put("lower_bound", lower);
    m.put("upper_bound", upper);
    m.put("annotation_type", "POINT");
    List<Map<String, Object>> props = new ArrayList<>();
    for (Annotations.Property p : schema.properties()) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("id", p.id());
      pm.put("type", p.type().json());
      if (p.description() != null) {
        pm.put("description", p.description());
      }
      props.add(pm);
    }
    m.put("properties", props);
    List<Map<String, Object>> rels = new ArrayList<>();
    for (String r : schema.relationships()) {
      Map<String, Object> rm = new LinkedHashMap<>();
      rm.put("id", r);
      rm.put("key", relationshipKey(r));
      if (sharding.containsKey(relationshipKey(r))) {
        rm.put("sharding", sharding.get(relationshipKey(r)));
      }
      rels.add(rm);
    }
    m.put("relationships", rels);
    Map<String, Object> byId = new LinkedHashMap<>();
    byId.put("key", "by_id");
    if (sharding.containsKey("by_id")) {
      byId.put("sharding", sharding.get("by_id"));
    }
    m.put("by_id", byId);
    List<Map<String, Object>> spatial = new ArrayList<>();
    for (int k = 0; k < levels.size(); k++) {
      Level l = levels.get(k);
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("key", "spatial" + k);
      s.put("grid_shape", l.gridShape());
      s.put("chunk_size", l.chunkSize());
      s.put("limit", limit);
      if (sharding.containsKey("spatial" + k)) {
        s.put("sharding", sharding.get("spatial" + k));
      }
      spatial.add(s);
    }
    m.put("spatial", spatial);
    return m;
  }

  public static String relationshipKey(String relationship) {
    return "rel_" + relationship;
  }

  /**
   * Writes the collection into {@code dir} (created if needed), then removes what an earlier
   * collection left there.
   *
   * @return files written
   */
  public int write(Path dir, List<Annotations.Point> points) throws IOException {
    return write(dir, points, Set.of());
  }

  /**
   * As {@link #write(Path, List)}, and every object of {@code objects} gets a related-object entry
   * in every relationship, empty (a count of 0) when no annotation names it: a viewer that filters
   * the annotations by selected segments then finds a file for each segment of the segmentation
   * instead of an HTTP 404.
   */
  public int write(Path dir, List<Annotations.Point> points, Set<Long> objects) throws IOException {
    Set<Long> ids = new HashSet<>();
    for (Annotations.Point p : points) {
      if (!ids.add(p.id())) {
        throw new IllegalArgumentException(
            "duplicate annotation id " + Long.toUnsignedString(p.id()));
      }
    }
    List<Level> levels = spatialLevels(points);
    Set<Path> written = new HashSet<>();
    if (isSharded()) {
      Map<String, ShardingSpec> specs = writeSharded(dir, points, objects, levels, written);
      Path info = dir.resolve("info");
      AtomicFiles.writeIfChanged(info, JSON.writeValueAsBytes(info(levels, specs)));
      written.add(info);
      removeStale(dir, levels.size(), written);
      return written.size();
    }
    for (Annotations.Point p : points) {
      written.add(
          put(dir.resolve("by_id").resolve(Long.toUnsignedString(p.id())), schema.encodeSingle(p)));
    }
    for (int r = 0; r < schema.relationships().size(); r++) {
      Map<Long, List<Annotations.Point>> byObject = relatedBy(points, objects, r);
      Path rel = dir.resolve(relationshipKey(schema.relationships().get(r)));
      for (Map.Entry<Long, List<Annotations.Point>> e : byObject.entrySet()) {
        written.add(
            put(rel.resolve(Long.toUnsignedString(e.getKey())), schema.encodeList(e.getValue())));
      }
    }
    for (int k = 0; k < levels.size(); k++) {
      Level l = levels.get(k);
      Path level = dir.resolve("spatial" + k);
      long cells = 1;
      for (int s : l.gridShape()) {
        cells *= s;
      }
      if (cells <= EMPTY_CELL_FILES_UP_TO) {
        for (String cell : allCells(l.gridShape())) {
          written.add(
              put(level.resolve(cell), schema.encodeList(l.cells().getOrDefault(cell, List.of()))));
        }
      } else {
        for (Map.Entry<String, List<Annotations.Point>> e : l.cells().entrySet()) {
          written.add(put(level.resolve(e.getKey()), schema.encodeList(e.getValue())));
        }
      }
    }
    Path info = dir.resolve("info");
    AtomicFiles.writeIfChanged(info, JSON.writeValueAsBytes(info(levels)));
    written.add(info);
    removeStale(dir, levels.size(), written);
    return written.size();
  }

  /** Every index as shard files; the sharding spec of each index by its key. */
  private Map<String, ShardingSpec> writeSharded(
      Path dir,
      List<Annotations.Point> points,
      Set<Long> objects,
      List<Level> levels,
      Set<Path> written)
      throws IOException {
    Map<String, ShardingSpec> specs = new LinkedHashMap<>();
    Map<Long, byte[]> byId = new TreeMap<>(Long::compareUnsigned);
    for (Annotations.Point p : points) {
      byId.put(p.id(), schema.encodeSingle(p));
    }
    specs.put("by_id", putShards(dir.resolve("by_id"), byId, written));
    for (int r = 0; r < schema.relationships().size(); r++) {
      Map<Long, List<Annotations.Point>> byObject = relatedBy(points, objects, r);
      Map<Long, byte[]> enc = new TreeMap<>(Long::compareUnsigned);
      for (Map.Entry<Long, List<Annotations.Point>> e : byObject.entrySet()) {
        enc.put(e.getKey(), schema.encodeList(e.getValue()));
      }
      String key = relationshipKey(schema.relationships().get(r));
      specs.put(key, putShards(dir.resolve(key), enc, written));
    }
    for (int k = 0; k < levels.size(); k++) {
      Level l = levels.get(k);
      org.connectome.pipeline.Vec3 grid =
          new org.connectome.pipeline.Vec3(
              l.gridShape()[0],
              l.gridShape().length > 1 ? l.gridShape()[1] : 1,
              l.gridShape().length > 2 ? l.gridShape()[2] : 1);
      Map<Long, byte[]> enc = new TreeMap<>(Long::compareUnsigned);
      for (Map.Entry<String, List<Annotations.Point>> e : l.cells().entrySet()) {
        String[] c = e.getKey().split("_");
        long key =
            org.connectome.pipeline.ShardLayout.mortonCode(
                grid,
                Long.parseLong(c[0]),
                c.length > 1 ? Long.parseLong(c[1]) : 0,
                c.length > 2 ? Long.parseLong(c[2]) : 0);
        enc.put(key, schema.encodeList(e.getValue()));
      }
      specs.put("spatial" + k, putShards(dir.resolve("spatial" + k), enc, written));
    }
    return specs;
  }

  private ShardingSpec putShards(Path folder, Map<Long, byte[]> entries, Set<Path> written)
      throws IOException {
    ShardingSpec spec = ShardingSpec.forIds(Math.max(1, entries.size()), idsPerShard, true);
    for (Map.Entry<Long, Map<Long, byte[]>> shard : Shards.byShard(spec, entries).entrySet()) {
      written.add(
          put(
              folder.resolve(spec.fileName(shard.getKey())),
              Shards.write(spec, shard.getValue(), null)));
    }
    return spec;
  }

  private Map<Long, List<Annotations.Point>> relatedBy(
      List<Annotations.Point> points, Set<Long> objects, int r) {
    Map<Long, List<Annotations.Point>> byObject = new TreeMap<>();
    for (long obj : objects) {
      if (obj != 0) {
        byObject.put(obj, new ArrayList<>());
      }
    }
    for (Annotations.Point p : points) {
      for (long obj : distinct(p.related()[r])) {
        byObject.computeIfAbsent(obj, k -> new ArrayList<>()).add(p);
      }
    }
    return byObject;
  }

  private static Path put(Path file, byte[] content) throws IOException {
    AtomicFiles.writeIfChanged(file, content);
    return file;
  }

  private static long[] distinct(long[] ids) {
    return java.util.Arrays.stream(ids).filter(id -> id != 0).distinct().toArray();
  }

  private static List<String> allCells(int[] shape) {
    List<String> out = new ArrayList<>();
    int[] c = new int[shape.length];
    while (true) {
      StringBuilder b = new StringBuilder();
      for (int d = 0; d < c.length; d++) {
        if (d > 0) {
          b.append('_');
        }
        b.append(c[d]);
      }
      out.add(b.toString());
      int d = 0;
      while (d < c.length && ++c[d] == shape[d]) {
        c[d] = 0;
        d++;
      }
      if (d == c.length) {
        return out;
      }
    }
  }

  /** Removes index files and levels of an earlier collection that this one did not write. */
  private void removeStale(Path dir, int levels, Set<Path> written) throws IOException {
    List<Path> folders = new ArrayList<>();
    folders.add(dir.resolve("by_id"));
    for (String r : schema.relationships()) {
      folders.add(dir.resolve(relationshipKey(r)));
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().matches("spatial\\d+") && Files.isDirectory(p))
          .forEach(folders::add);
    }
    for (Path f : folders) {
      if (!Files.isDirectory(f)) {
        continue;
      }
      try (Stream<Path> s = Files.list(f)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          // temporary files of a concurrent writer start with '.'; they are its to remove
          if (!written.contains(p) && !p.getFileName().toString().startsWith(".")) {
            Files.deleteIfExists(p);
          }
        }
      }
      boolean deeper =
          f.getFileName().toString().matches("spatial\\d+")
              && Integer.parseInt(f.getFileName().toString().substring(7)) >= levels;
      if (deeper) {
        try (Stream<Path> s = Files.list(f)) {
          if (s.findAny().isEmpty()) {
            Files.deleteIfExists(f);
          }
        }
      }
    }
  }

  /** SplitMix64 finaliser: a well-mixed hash of an id. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A hash as a number in [0, 1). */
  static double unit(long h) {
    return (h >>> 11) * 0x1.0p-53;
  }
}
