package org.connectome.stages.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.connectome.stages.precomputed.ShardingSpec;
import org.connectome.stages.precomputed.Shards;

/**
 * Reads a mesh folder as mesh.merge writes it, in any of its forms (legacy manifests and fragments;
 * multi-resolution unsharded or sharded), for the report: per segment, its full-detail fragments.
 */
public final class MeshFolder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MeshFolder() {}

  /** The folder's {@code @type}, or null without an info. */
  public static String type(Path dir) throws IOException {
    Path info = dir.resolve("info");
    return Files.isRegularFile(info) ? JSON.readTree(info.toFile()).path("@type").asText() : null;
  }

  /** One segment's level-0 fragments, or the reason it cannot be read. */
  public record Segment(long id, List<TriangleMesh> fragments, String error) {}

  /** Every segment with a manifest, in id order. */
  public static List<Segment> read(Path dir) throws IOException {
    List<Segment> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    if ("neuroglancer_multilod_draco".equals(type(dir))) {
      JsonNode sharding = JSON.readTree(dir.resolve("info").toFile()).get("sharding");
      if (sharding != null) {
        ShardingSpec spec = JSON.treeToValue(sharding, ShardingSpec.class);
        Shards.Reader r = new Shards.Reader(dir, spec);
        Map<Long, Boolean> ids = new TreeMap<>(Long::compareUnsigned);
        r.keys().forEach(k -> ids.put(k, true));
        for (long id : ids.keySet()) {
          out.add(sharded(dir, spec, r, id));
        }
        return out;
      }
      for (Path p : list(dir, "\\d+\\.index")) {
        String name = p.getFileName().toString();
        long id = Long.parseUnsignedLong(name.substring(0, name.length() - 6));
        try {
          byte[] data = Files.readAllBytes(dir.resolve(Long.toUnsignedString(id)));
          out.add(level0(id, data, Files.readAllBytes(p)));
        } catch (IOException e) {
          out.add(new Segment(id, List.of(), name + ": " + e.getMessage()));
        }
      }
      return out;
    }
    for (Path p : list(dir, "\\d+:0")) {
      String name = p.getFileName().toString();
      long id = Long.parseUnsignedLong(name.substring(0, name.length() - 2));
      List<TriangleMesh> frags = new ArrayList<>();
      String error = null;
      try {
        for (String f : LegacyMesh.fragments(Files.readAllBytes(p))) {
          frags.add(LegacyMesh.decode(Files.readAllBytes(dir.resolve(f))));
        }
      } catch (IOException e) {
        error = name + ": " + e.getMessage();
      }
      out.add(new Segment(id, frags, error));
    }
    return out;
  }

  private static Segment sharded(Path dir, ShardingSpec spec, Shards.Reader r, long id) {
    try {
      long[] loc = r.locate(id);
      byte[] manifest = r.get(id);
      long total = fragmentBytes(manifest);
      byte[] data = new byte[Math.toIntExact(total)];
      try (RandomAccessFile f =
          new RandomAccessFile(dir.resolve(spec.fileName(spec.shardOf(id))).toFile(), "r")) {
        f.seek(loc[0] - total);
        f.readFully(data);
      }
      return level0(id, data, manifest);
    } catch (IOException | RuntimeException e) {
      return new Segment(id, List.of(), Long.toUnsignedString(id) + ": " + e.getMessage());
    }
  }

  private static Segment level0(long id, byte[] data, byte[] manifest) throws IOException {
    TriangleMesh m = MultiresMesh.decode(data, manifest).get(0);
    return new Segment(id, m.isEmpty() ? List.of() : List.of(m), null);
  }

  /** The bytes of all fragments a manifest lists. */
  static long fragmentBytes(byte[] manifest) {
    ByteBuffer b = ByteBuffer.wrap(manifest).order(ByteOrder.LITTLE_ENDIAN);
    b.position(24);
    int n = b.getInt();
    b.position(b.position() + 4 * n + 12 * n);
    int[] counts = new int[n];
    for (int k = 0; k < n; k++) {
      counts[k] = b.getInt();
    }
    long total = 0;
    for (int k = 0; k < n; k++) {
      b.position(b.position() + 12 * counts[k]);
      for (int f = 0; f < counts[k]; f++) {
        total += Integer.toUnsignedLong(b.getInt());
      }
    }
    return total;
  }

  private static List<Path> list(Path dir, String regex) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches(regex)).sorted().toList();
    }
  }
}
