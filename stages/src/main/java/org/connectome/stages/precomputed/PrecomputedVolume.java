package org.connectome.stages.precomputed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.ShardLayout;

/**
 * A precomputed volume on disk: {@code <root>/info} and one folder per scale key holding the chunk
 * files {@code x0-x1_y0-y1_z0-z1} (unsharded). Writes are atomic per file ({@link AtomicFiles});
 * chunk contents are encoded per the scale's encoding. Regions given to the read and write methods
 * are in absolute voxel coordinates of the scale.
 */
public final class PrecomputedVolume {
  /** JPEG quality when the writer was not given one. */
  public static final int DEFAULT_JPEG_QUALITY = 90;

  private final Path root;
  private final VolumeInfo info;
  private final int jpegQuality;
  private final Map<Integer, Shards.Reader> readers = new java.util.HashMap<>();
  private final Map<Integer, Map<Long, Long>> shardCounts = new java.util.HashMap<>();

  private PrecomputedVolume(Path root, VolumeInfo info, int jpegQuality) {
    this.root = root;
    this.info = info;
    this.jpegQuality = jpegQuality;
  }

  /** Opens an existing volume (reads its info). */
  public static PrecomputedVolume open(Path root) throws IOException {
    Path f = root.resolve("info");
    if (!Files.isRegularFile(f)) {
      throw new NoSuchFileException(
          f.toString(), null, "no precomputed volume here (no info file)");
    }
    try {
      return new PrecomputedVolume(
          root, VolumeInfo.fromJson(Files.readAllBytes(f)), DEFAULT_JPEG_QUALITY);
    } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("bad precomputed info " + f + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates (or joins) a volume: writes {@code info} atomically unless it already has exactly this
   * content, so every unit of a step may call it, in any order, concurrently.
   */
  public static PrecomputedVolume create(Path root, VolumeInfo info) throws IOException {
    AtomicFiles.writeIfChanged(root.resolve("info"), info.toJson());
    return new PrecomputedVolume(root, info, DEFAULT_JPEG_QUALITY);
  }

  /** This volume, writing JPEG chunks at {@code quality} (1 to 100). */
  public PrecomputedVolume withJpegQuality(int quality) {
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("jpegQuality must be 1 to 100, not " + quality);
    }
    return new PrecomputedVolume(root, info, quality);
  }

  public Path root() {
    return root;
  }

  public VolumeInfo info() {
    return info;
  }

  public ChunkGrid grid(int scale) {
    return new ChunkGrid(info.scale(scale));
  }

  public Path chunkPath(int scale, Box chunk) {
    return root.resolve(info.scale(scale).key()).resolve(ChunkGrid.name(chunk));
  }

  public void writeChunk(int scale, Box chunk, byte[] encoded) throws IOException {
    if (info.scale(scale).sharding() != null) {
      throw new IllegalArgumentException(
          "scale " + info.scale(scale).key() + " is sharded: chunks are written a shard at a time");
    }
    AtomicFiles.write(chunkPath(scale, chunk), encoded);
  }

  /** The sharding key of a chunk: the compressed Morton code of its grid position. */
  public long chunkKey(int scale, Box chunk) {
    VolumeInfo.Scale s = info.scale(scale);
    int[] c = s.chunkSize();
    long[] o = s.voxelOffset();
    return ShardLayout.mortonCode(
        grid(scale).gridSize(),
        (chunk.start().x() - o[0]) / c[0],
        (chunk.start().y() - o[1]) / c[1],
        (chunk.start().z() - o[2]) / c[2]);
  }

  /**
   * Writes encoded chunks that make whole shards of a sharded scale, a file per shard.
   *
   * @return bytes of the shard files written
   */
  public long writeShards(int scale, Map<Box, byte[]> chunks) throws IOException {
    VolumeInfo.Scale s = info.scale(scale);
    ShardingSpec spec = s.sharding();
    Map<Long, byte[]> byKey = new LinkedHashMap<>();
    for (Map.Entry<Box, byte[]> e : chunks.entrySet()) {
      byKey.put(chunkKey(scale, e.getKey()), e.getValue());
    }
    long bytes = 0;
    Map<Long, Long> expected = chunksPerShard(scale);
    for (Map.Entry<Long, Map<Long, byte[]>> shard : Shards.byShard(spec, byKey).entrySet()) {
      long want = expected.getOrDefault(shard.getKey(), 0L);
      if (shard.getValue().size() != want) {
        throw new IllegalArgumentException(
            "scale "
                + s.key()
                + ": "
                + shard.getValue().size()
                + " chunks given for shard "
                + spec.fileName(shard.getKey())
                + ", which holds "
                + want
                + ": a shard is written whole by one unit");
      }
      byte[] file = Shards.write(spec, shard.getValue(), null);
      AtomicFiles.write(root.resolve(s.key()).resolve(spec.fileName(shard.getKey())), file);
      bytes += file.length;
    }
    return bytes;
  }

  private Map<Long, Long> chunksPerShard(int scale) {
    Map<Long, Long> out = shardCounts.get(scale);
    if (out == null) {
      out = new java.util.HashMap<>();
      ShardingSpec spec = info.scale(scale).sharding();
      org.connectome.pipeline.Vec3 g = grid(scale).gridSize();
      for (long z = 0; z < g.z(); z++) {
        for (long y = 0; y < g.y(); y++) {
          for (long x = 0; x < g.x(); x++) {
            out.merge(spec.shardOf(ShardLayout.mortonCode(g, x, y, z)), 1L, Long::sum);
          }
        }
      }
      shardCounts.put(scale, out);
    }
    return out;
  }

  public byte[] readChunk(int scale, Box chunk) throws IOException {
    VolumeInfo.Scale s = info.scale(scale);
    if (s.sharding() != null) {
      Shards.Reader r =
          readers.computeIfAbsent(
              scale, k -> new Shards.Reader(root.resolve(s.key()), s.sharding()));
      byte[] b = r.get(chunkKey(scale, chunk));
      if (b == null) {
        throw new NoSuchFileException(
            root.resolve(s.key()).toString(),
            null,
            "no chunk " + chunk.chunkName() + " in the shards of scale " + s.key());
      }
      return b;
    }
    Path p = chunkPath(scale, chunk);
    try {
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          p.toString(), null, "missing chunk of " + root + " scale " + info.scale(scale).key());
    }
  }

  // ---- encoding of one chunk

  /** Encodes a uint8 chunk in the scale's encoding (raw or jpeg). */
  public byte[] encode(int scale, ByteVolume chunk) {
    checkType(DataType.UINT8);
    return switch (info.scale(scale).encoding()) {
      case RAW -> RawCodec.encode(chunk);
      case JPEG -> JpegCodec.encode(chunk, jpegQuality);
      case COMPRESSED_SEGMENTATION ->
          throw new IllegalArgumentException(
              "compressed_segmentation needs uint32 or uint64 labels");
    };
  }

  /** Encodes a label chunk in the scale's encoding (raw or compressed_segmentation). */
  public byte[] encode(int scale, LabelVolume chunk) {
    VolumeInfo.Scale s = info.scale(scale);
    return switch (s.encoding()) {
      case RAW -> RawCodec.encode(chunk, info.dataType());
      case COMPRESSED_SEGMENTATION ->
          CompressedSegmentation.encode(
              chunk, s.compressedSegmentationBlockSize(), info.dataType());
      case JPEG -> throw new IllegalArgumentException("labels cannot be stored as jpeg");
    };
  }

  public ByteVolume decodeImage(int scale, Box chunk, byte[] data) {
    checkType(DataType.UINT8);
    int[] n = size(chunk);
    return switch (info.scale(scale).encoding()) {
      case RAW -> RawCodec.decodeBytes(data, n[0], n[1], n[2], info.numChannels());
      case JPEG -> JpegCodec.decode(data, n[0], n[1], n[2]);
      case COMPRESSED_SEGMENTATION -> throw new IllegalArgumentException("not an image encoding");
    };
  }

  public LabelVolume decodeLabels(int scale, Box chunk, byte[] data) {
    int[] n = size(chunk);
    VolumeInfo.Scale s = info.scale(scale);
    return switch (s.encoding()) {
      case RAW ->
          RawCodec.decodeLabels(data, info.dataType(), n[0], n[1], n[2], info.numChannels());
      case COMPRESSED_SEGMENTATION ->
          CompressedSegmentation.decode(
              data,
              n[0],
              n[1],
              n[2],
              info.numChannels(),
              s.compressedSegmentationBlockSize(),
              info.dataType());
      case JPEG -> throw new IllegalArgumentException("labels cannot be stored as jpeg");
    };
  }

  // ---- regions made of whole chunks

  /**
   * Writes a region that is a union of whole chunks ({@link ChunkGrid#isChunkAligned}).
   *
   * @return encoded bytes written
   */
  public long writeImage(int scale, Box region, ByteVolume data) throws IOException {
    return writeEncoded(scale, encodeImage(scale, region, data));
  }

  /** Labels version of {@link #writeImage}. */
  public long writeLabels(int scale, Box region, LabelVolume data) throws IOException {
    return writeEncoded(scale, encodeLabels(scale, region, data));
  }

  /** Encodes the chunks of a region made of whole chunks, without writing them. */
  public Map<Box, byte[]> encodeImage(int scale, Box region, ByteVolume data) {
    checkRegion(scale, region, data.sx(), data.sy(), data.sz());
    Map<Box, byte[]> out = new LinkedHashMap<>();
    for (Box c : grid(scale).chunksIntersecting(region)) {
      int[] o = offsetIn(region, c);
      int[] n = size(c);
      out.put(c, encode(scale, data.crop(o[0], o[1], o[2], n[0], n[1], n[2])));
    }
    return out;
  }

  /** Labels version of {@link #encodeImage}. */
  public Map<Box, byte[]> encodeLabels(int scale, Box region, LabelVolume data) {
    checkRegion(scale, region, data.sx(), data.sy(), data.sz());
    Map<Box, byte[]> out = new LinkedHashMap<>();
    for (Box c : grid(scale).chunksIntersecting(region)) {
      int[] o = offsetIn(region, c);
      int[] n = size(c);
      out.put(c, encode(scale, data.crop(o[0], o[1], o[2], n[0], n[1], n[2])));
    }
    return out;
  }

  /**
   * Writes encoded chunks: a file each, or, for a sharded scale, whole shards.
   *
   * @return bytes written
   */
  public long writeEncoded(int scale, Map<Box, byte[]> chunks) throws IOException {
    if (info.scale(scale).sharding() != null) {
      return writeShards(scale, chunks);
    }
    long bytes = 0;
    for (Map.Entry<Box, byte[]> e : chunks.entrySet()) {
      writeChunk(scale, e.getKey(), e.getValue());
      bytes += e.getValue().length;
    }
    return bytes;
  }

  /** Reads any region inside the volume from the chunks that cover it. */
  public ByteVolume readImage(int scale, Box region) throws IOException {
    int[] n = size(region);
    checkInside(scale, region);
    ByteVolume out =
        new ByteVolume(
            n[0],
            n[1],
            n[2],
            info.numChannels(),
            new byte[Math.multiplyExact(n[0] * n[1] * n[2], info.numChannels())]);
    for (Box c : grid(scale).chunksIntersecting(region)) {
      ByteVolume chunk = decodeImage(scale, c, readChunk(scale, c));
      Box i = intersect(region, c);
      int[] in = offsetIn(c, i);
      int[] at = offsetIn(region, i);
      int[] sz = size(i);
      chunk.copyTo(in[0], in[1], in[2], sz[0], sz[1], sz[2], out, at[0], at[1], at[2]);
    }
    return out;
  }

  /** Labels version of {@link #readImage}. */
  public LabelVolume readLabels(int scale, Box region) throws IOException {
    int[] n = size(region);
    checkInside(scale, region);
    LabelVolume out =
        new LabelVolume(
            n[0],
            n[1],
            n[2],
            info.numChannels(),
            new long[Math.multiplyExact(n[0] * n[1] * n[2], info.numChannels())]);
    for (Box c : grid(scale).chunksIntersecting(region)) {
      LabelVolume chunk = decodeLabels(scale, c, readChunk(scale, c));
      Box i = intersect(region, c);
      int[] in = offsetIn(c, i);
      int[] at = offsetIn(region, i);
      int[] sz = size(i);
      chunk.copyTo(in[0], in[1], in[2], sz[0], sz[1], sz[2], out, at[0], at[1], at[2]);
    }
    return out;
  }

  private void checkType(DataType t) {
    if (info.dataType() != t) {
      throw new IllegalArgumentException(
          "volume " + root + " is " + info.dataType().json() + ", not " + t.json());
    }
  }

  private void checkRegion(int scale, Box region, int sx, int sy, int sz) {
    int[] n = size(region);
    if (n[0] != sx || n[1] != sy || n[2] != sz) {
      throw new IllegalArgumentException(
          "data of " + sx + "x" + sy + "x" + sz + " for region " + region.chunkName());
    }
    if (!grid(scale).isChunkAligned(region)) {
      VolumeInfo.Scale s = info.scale(scale);
      throw new IllegalArgumentException(
          "region "
              + region.chunkName()
              + " of scale "
              + s.key()
              + " is not made of whole chunks of "
              + java.util.Arrays.toString(s.chunkSize())
              + " in a volume of "
              + java.util.Arrays.toString(s.size()));
    }
  }

  private void checkInside(int scale, Box region) {
    Box b = grid(scale).bounds();
    if (region.start().x() < b.start().x()
        || region.start().y() < b.start().y()
        || region.start().z() < b.start().z()
        || region.end().x() > b.end().x()
        || region.end().y() > b.end().y()
        || region.end().z() > b.end().z()) {
      throw new IllegalArgumentException(
          "region " + region.chunkName() + " outside volume " + b.chunkName());
    }
  }

  static int[] size(Box b) {
    return new int[] {
      Math.toIntExact(b.end().x() - b.start().x()),
      Math.toIntExact(b.end().y() - b.start().y()),
      Math.toIntExact(b.end().z() - b.start().z())
    };
  }

  private static int[] offsetIn(Box outer, Box inner) {
    return new int[] {
      Math.toIntExact(inner.start().x() - outer.start().x()),
      Math.toIntExact(inner.start().y() - outer.start().y()),
      Math.toIntExact(inner.start().z() - outer.start().z())
    };
  }

  static Box intersect(Box a, Box b) {
    return new Box(
        new org.connectome.pipeline.Vec3(
            Math.max(a.start().x(), b.start().x()),
            Math.max(a.start().y(), b.start().y()),
            Math.max(a.start().z(), b.start().z())),
        new org.connectome.pipeline.Vec3(
            Math.min(a.end().x(), b.end().x()),
            Math.min(a.end().y(), b.end().y()),
            Math.min(a.end().z(), b.end().z())));
  }
}
