package org.connectome.stages.precomputed;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.connectome.pipeline.ShardLayout;

/**
 * A {@code "sharding"} member of a scale, mesh info or annotation index: Neuroglancer's {@code
 * neuroglancer_uint64_sharded_v1} specification (sharded.md).
 *
 * @param atType always {@link #TYPE}
 * @param preshiftBits low bits of the key left out of the hash
 * @param hash {@code identity} or {@code murmurhash3_x86_128}
 * @param minishardBits bits of the hashed key naming the minishard
 * @param shardBits bits of the hashed key above those naming the shard
 * @param minishardIndexEncoding {@code raw} or {@code gzip}
 * @param dataEncoding {@code raw} or {@code gzip}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({
  "@type",
  "preshift_bits",
  "hash",
  "minishard_bits",
  "shard_bits",
  "minishard_index_encoding",
  "data_encoding"
})
public record ShardingSpec(
    @JsonProperty("@type") String atType,
    @JsonProperty("preshift_bits") int preshiftBits,
    @JsonProperty("hash") String hash,
    @JsonProperty("minishard_bits") int minishardBits,
    @JsonProperty("shard_bits") int shardBits,
    @JsonProperty("minishard_index_encoding") String minishardIndexEncoding,
    @JsonProperty("data_encoding") String dataEncoding) {
  public static final String TYPE = "neuroglancer_uint64_sharded_v1";
  public static final String IDENTITY = "identity";
  public static final String MURMUR = "murmurhash3_x86_128";
  public static final String RAW = "raw";
  public static final String GZIP = "gzip";

  public ShardingSpec {
    if (atType == null) {
      atType = TYPE;
    }
    if (!TYPE.equals(atType)) {
      throw new IllegalArgumentException("sharding @type must be " + TYPE + ", not " + atType);
    }
    if (!IDENTITY.equals(hash) && !MURMUR.equals(hash)) {
      throw new IllegalArgumentException("sharding hash must be identity or " + MURMUR);
    }
    if (preshiftBits < 0
        || minishardBits < 0
        || shardBits < 0
        || preshiftBits + minishardBits + shardBits > 64) {
      throw new IllegalArgumentException("sharding bits out of range");
    }
    minishardIndexEncoding = encoding(minishardIndexEncoding);
    dataEncoding = encoding(dataEncoding);
  }

  private static String encoding(String e) {
    if (e == null) {
      return RAW;
    }
    if (!RAW.equals(e) && !GZIP.equals(e)) {
      throw new IllegalArgumentException("sharding encodings are raw or gzip, not " + e);
    }
    return e;
  }

  /**
   * The spec of a volume scale sharded by {@code layout} (identity hash over compressed Morton
   * codes, gzip minishard indexes); {@code gzipData} for encodings that gzip shrinks (raw,
   * compressed_segmentation), not for JPEG.
   */
  public static ShardingSpec of(ShardLayout layout, boolean gzipData) {
    return new ShardingSpec(
        TYPE,
        layout.preshiftBits(),
        IDENTITY,
        layout.minishardBits(),
        layout.shardBits(),
        GZIP,
        gzipData ? GZIP : RAW);
  }

  /**
   * A spec for uint64 ids (segments, annotations) hashed by murmurhash3_x86_128: about {@code
   * count} ids in shards of about {@code idsPerShard} ids, minishards of at most 1,024 ids.
   */
  public static ShardingSpec forIds(long count, long idsPerShard, boolean gzipData) {
    int total = 64 - Long.numberOfLeadingZeros(Math.max(1, count - 1));
    int perShard = Math.min(total, 63 - Long.numberOfLeadingZeros(Math.max(1, idsPerShard)));
    int minishard = Math.min(ShardLayout.MAX_MINISHARD_BITS, Math.max(0, perShard - 10));
    // a hashed spread: the shard count follows the id count, the minishards the ids per shard
    return new ShardingSpec(
        TYPE, 0, MURMUR, minishard, total - perShard, GZIP, gzipData ? GZIP : RAW);
  }

  /** The hashed key of {@code key}. */
  public long hashed(long key) {
    long shifted = key >>> preshiftBits;
    return IDENTITY.equals(hash) ? shifted : MurmurHash3.x86_128Low64(shifted);
  }

  public long minishardOf(long key) {
    return hashed(key) & mask(minishardBits);
  }

  public long shardOf(long key) {
    return (hashed(key) >>> minishardBits) & mask(shardBits);
  }

  /** The shard file name: lower-case hex, zero padded to ceil(shard_bits / 4) digits. */
  public String fileName(long shard) {
    int digits = (shardBits + 3) / 4;
    String hex = Long.toHexString(shard);
    return "0".repeat(Math.max(0, digits - hex.length())) + hex + ".shard";
  }

  private static long mask(int bits) {
    return bits >= 64 ? -1L : (1L << bits) - 1;
  }
}
