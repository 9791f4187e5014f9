package org.connectome.stages.synapses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.connectome.stages.precomputed.Annotations;
import org.connectome.stages.precomputed.ShardingSpec;
import org.connectome.stages.precomputed.Shards;

/**
 * What a synapse annotation collection says, whatever its layout and ids: every annotation (from
 * {@code by_id}, the ids the table lists) with its relationships, every spatial level's cells
 * together, and per segment and relationship its annotations; annotations are named by position and
 * properties, so collections with other ids compare equal when they hold the same synapses.
 */
record IndexContents(
    List<String> byId, List<String> spatial, Map<String, Map<Long, List<String>>> related) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static IndexContents read(Path dir, List<SynapseIndex.Entry> table) throws IOException {
    JsonNode info = JSON.readTree(dir.resolve("info").toFile());
    Annotations.Schema schema = SynapseIndex.schema(new double[] {8, 8, 33});
    List<String> byId = new ArrayList<>();
    Reader ids = new Reader(dir.resolve("by_id"), info.get("by_id").get("sharding"));
    for (SynapseIndex.Entry e : table) {
      byte[] b = ids.get(e.id());
      if (b == null) {
        throw new IOException("by_id lacks " + e.id());
      }
      Annotations.Point p = schema.decodeSingle(e.id(), b);
      byId.add(
          name(p)
              + " pre "
              + java.util.Arrays.toString(p.related()[0])
              + " post "
              + java.util.Arrays.toString(p.related()[1]));
    }
    List<String> spatial = new ArrayList<>();
    for (JsonNode level : info.get("spatial")) {
      Reader r = new Reader(dir.resolve(level.get("key").asText()), level.get("sharding"));
      for (byte[] cell : r.all().values()) {
        schema.decodeList(cell).forEach(p -> spatial.add(name(p)));
      }
    }
    Map<String, Map<Long, List<String>>> related = new TreeMap<>();
    for (JsonNode rel : info.get("relationships")) {
      Reader r = new Reader(dir.resolve(rel.get("key").asText()), rel.get("sharding"));
      Map<Long, List<String>> m = new TreeMap<>();
      for (Map.Entry<Long, byte[]> e : r.all().entrySet()) {
        List<String> names = new ArrayList<>();
        schema.decodeList(e.getValue()).forEach(p -> names.add(name(p)));
        names.sort(null);
        m.put(e.getKey(), names);
      }
      related.put(rel.get("id").asText(), m);
    }
    byId.sort(null);
    spatial.sort(null);
    return new IndexContents(byId, spatial, related);
  }

  private static String name(Annotations.Point p) {
    StringBuilder b = new StringBuilder();
    for (double c : p.position()) {
      b.append(String.format(Locale.ROOT, "%.3f ", c));
    }
    for (double v : p.properties()) {
      b.append(String.format(Locale.ROOT, "%.4f ", v));
    }
    return b.toString().trim();
  }

  /** An index folder, sharded or one file per key. */
  private static final class Reader {
    private final Path dir;
    private final ShardingSpec spec;

    Reader(Path dir, JsonNode sharding) throws IOException {
      this.dir = dir;
      this.spec = sharding == null ? null : JSON.treeToValue(sharding, ShardingSpec.class);
    }

    byte[] get(long key) throws IOException {
      if (spec != null) {
        return new Shards.Reader(dir, spec).get(key);
      }
      Path f = dir.resolve(Long.toUnsignedString(key));
      return Files.isRegularFile(f) ? Files.readAllBytes(f) : null;
    }

    /** Every key's data; spatial cells keyed by their order in the folder when unsharded. */
    Map<Long, byte[]> all() throws IOException {
      Map<Long, byte[]> out = new TreeMap<>();
      if (!Files.isDirectory(dir)) {
        return out;
      }
      if (spec != null) {
        Shards.Reader r = new Shards.Reader(dir, spec);
        for (long k : r.keys()) {
          out.put(k, r.get(k));
        }
        return out;
      }
      try (Stream<Path> s = Files.list(dir)) {
        long n = 0;
        for (Path f : s.sorted().toList()) {
          String name = f.getFileName().toString();
          long key = name.matches("\\d+") ? Long.parseUnsignedLong(name) : n++;
          out.put(key, Files.readAllBytes(f));
        }
      }
      return out;
    }
  }
}
