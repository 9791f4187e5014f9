package org.connectome.stages.precomputed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Writing and reading {@code neuroglancer_uint64_sharded_v1} shard files (Neuroglancer's
 * sharded.md): a shard index of {@code 2^minishard_bits} (start, end) pairs, then per minishard the
 * data of its chunks in key order followed by its minishard index (delta-coded keys, offsets and
 * sizes), every offset relative to the end of the shard index.
 */
public final class Shards {
  private Shards() {}

  /**
   * The bytes of one shard file holding {@code chunks} (key to encoded data, before the spec's data
   * encoding); every key must belong to the same shard.
   *
   * @param payloadBefore for multi-resolution meshes: bytes stored immediately before a key's data
   *     (the fragment data before the manifest), or null
   */
  public static byte[] write(
      ShardingSpec spec, Map<Long, byte[]> chunks, Map<Long, byte[]> payloadBefore) {
    Map<Long, SortedMap<Long, byte[]>> byMinishard = new TreeMap<>(Long::compareUnsigned);
    Long shard = null;
    for (Map.Entry<Long, byte[]> e : chunks.entrySet()) {
      long key = e.getKey();
      long s = spec.shardOf(key);
      if (shard != null && shard != s) {
        throw new IllegalArgumentException(
            "keys of shards " + shard + " and " + s + " given for one shard file");
      }
      shard = s;
      byMinishard
          .computeIfAbsent(spec.minishardOf(key), k -> new TreeMap<>(Long::compareUnsigned))
          .put(key, e.getValue());
    }
    int minishards = 1 << spec.minishardBits();
    long[] ranges = new long[2 * minishards];
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<Long, SortedMap<Long, byte[]>> m : byMinishard.entrySet()) {
      int n = m.getValue().size();
      long[] keys = new long[n];
      long[] starts = new long[n];
      long[] sizes = new long[n];
      int i = 0;
      for (Map.Entry<Long, byte[]> c : m.getValue().entrySet()) {
        byte[] before = payloadBefore == null ? null : payloadBefore.get(c.getKey());
        if (before != null) {
          body.writeBytes(before);
        }
        byte[] data = encode(spec.dataEncoding(), c.getValue());
        keys[i] = c.getKey();
        starts[i] = body.size();
        sizes[i] = data.length;
        body.writeBytes(data);
        i++;
      }
      ByteBuffer index = ByteBuffer.allocate(24 * n).order(ByteOrder.LITTLE_ENDIAN);
      for (int j = 0; j < n; j++) {
        index.putLong(j == 0 ? keys[0] : keys[j] - keys[j - 1]);
      }
      for (int j = 0; j < n; j++) {
        index.putLong(j == 0 ? starts[0] : starts[j] - (starts[j - 1] + sizes[j - 1]));
      }
      for (int j = 0; j < n; j++) {
        index.putLong(sizes[j]);
      }
      byte[] encodedIndex = encode(spec.minishardIndexEncoding(), index.array());
      int mi = Math.toIntExact(m.getKey());
      ranges[2 * mi] = body.size();
      body.writeBytes(encodedIndex);
      ranges[2 * mi + 1] = body.size();
    }
    ByteBuffer out =
        ByteBuffer.allocate(16 * minishards + body.size()).order(ByteOrder.LITTLE_ENDIAN);
    for (long r : ranges) {
      out.putLong(r);
    }
    out.put(body.toByteArray());
    return out.array();
  }

  /** Groups keys by the shard they belong to (for writers that hold several shards). */
  public static Map<Long, Map<Long, byte[]>> byShard(ShardingSpec spec, Map<Long, byte[]> all) {
    Map<Long, Map<Long, byte[]>> out = new TreeMap<>();
    for (Map.Entry<Long, byte[]> e : all.entrySet()) {
      out.computeIfAbsent(spec.shardOf(e.getKey()), k -> new LinkedHashMap<>())
          .put(e.getKey(), e.getValue());
    }
    return out;
  }

  static byte[] encode(String encoding, byte[] data) {
    if (!ShardingSpec.GZIP.equals(encoding)) {
      return data;
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream(data.length / 2 + 64);
    try (GZIPOutputStream g = new GZIPOutputStream(b)) {
      g.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  static byte[] decode(String encoding, byte[] data) throws IOException {
    if (!ShardingSpec.GZIP.equals(encoding)) {
      return data;
    }
    try (GZIPInputStream g = new GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
      return g.readAllBytes();
    }
  }

  /**
   * Reads keys from the shard files of one folder, keeping each shard's minishard indexes once read
   * (a reader of a few shards at a time: one task's unit).
   */
  public static final class Reader {
    private final Path dir;
    private final ShardingSpec spec;
    private final Map<Long, Map<Long, long[]>> minishards = new LinkedHashMap<>(16, 0.75f, true);

    public Reader(Path dir, ShardingSpec spec) {
      this.dir = dir;
      this.spec = spec;
    }

    /** The key's data (after the data encoding is undone), or null when the shard lacks it. */
    public byte[] get(long key) throws IOException {
      long[] loc = locate(key);
      if (loc == null) {
        return null;
      }
      Path f = dir.resolve(spec.fileName(spec.shardOf(key)));
      try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
        byte[] b = new byte[Math.toIntExact(loc[1])];
        r.seek(loc[0]);
        r.readFully(b);
        return decode(spec.dataEncoding(), b);
      }
    }

    /** {@code {start, size}} in the shard file of {@code key}'s data, or null. */
    public long[] locate(long key) throws IOException {
      long shard = spec.shardOf(key);
      long minishard = spec.minishardOf(key);
      long cacheKey = shard * (1L << spec.minishardBits()) + minishard;
      Map<Long, long[]> index = minishards.get(cacheKey);
      if (index == null) {
        index = readMinishard(shard, minishard);
        minishards.put(cacheKey, index);
        if (minishards.size() > 256) {
          minishards.remove(minishards.keySet().iterator().next());
        }
      }
      return index.get(key);
    }

    private Map<Long, long[]> readMinishard(long shard, long minishard) throws IOException {
      Path f = dir.resolve(spec.fileName(shard));
      Map<Long, long[]> out = new TreeMap<>(Long::compareUnsigned);
      if (!Files.isRegularFile(f)) {
        return out;
      }
      long indexEnd = 16L << spec.minishardBits();
      try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
        ByteBuffer range = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        r.seek(16 * minishard);
        r.readFully(range.array());
        long start = range.getLong();
        long end = range.getLong();
        if (end <= start) {
          return out;
        }
        byte[] raw = new byte[Math.toIntExact(end - start)];
        r.seek(indexEnd + start);
        r.readFully(raw);
        ByteBuffer idx =
            ByteBuffer.wrap(decode(spec.minishardIndexEncoding(), raw))
                .order(ByteOrder.LITTLE_ENDIAN);
        int n = idx.remaining() / 24;
        long[] v = new long[3 * n];
        for (int i = 0; i < 3 * n; i++) {
          v[i] = idx.getLong();
        }
        long key = 0;
        long pos = indexEnd;
        for (int i = 0; i < n; i++) {
          key += v[i];
          pos += v[n + i];
          out.put(key, new long[] {pos, v[2 * n + i]});
          pos += v[2 * n + i];
        }
      }
      return out;
    }

    /** Every key of every shard file in the folder (for tests and checks). */
    public List<Long> keys() throws IOException {
      List<Long> out = new ArrayList<>();
      if (!Files.isDirectory(dir)) {
        throw new NoSuchFileException(dir.toString());
      }
      try (var files = Files.list(dir)) {
        for (Path f :
            (Iterable<Path>) files.filter(p -> p.toString().endsWith(".shard"))::iterator) {
          long shard = Long.parseLong(f.getFileName().toString().replace(".shard", ""), 16);
          for (long m = 0; m < (1L << spec.minishardBits()); m++) {
            out.addAll(readMinishard(shard, m).keySet());
          }
        }
      }
      return out;
    }
  }
}
