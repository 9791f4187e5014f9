package org.connectome.stages.precomputed;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code info} file of a Neuroglancer precomputed volume ({@code @type
 * neuroglancer_multiscale_volume}).
 *
 * @param atType always {@link #TYPE}
 * @param type {@code image} or {@code segmentation}
 * @param dataType voxel type
 * @param numChannels channels (1 for EM images and segmentations)
 * @param scales scale 0 first, then coarser ones
 * @param mesh segmentation only: the mesh folder, or null
 * @param segmentProperties segmentation only: the segment properties folder, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({
  "@type",
  "type",
  "data_type",
  "num_channels",
  "scales",
  "mesh",
  "segment_properties"
})
public record VolumeInfo(
    @JsonProperty("@type") String atType,
    @JsonProperty("type") String type,
    @JsonProperty("data_type") DataType dataType,
    @JsonProperty("num_channels") int numChannels,
    @JsonProperty("scales") List<Scale> scales,
    @JsonProperty("mesh") String mesh,
    @JsonProperty("segment_properties") String segmentProperties) {

  public static final String TYPE = "neuroglancer_multiscale_volume";
  public static final String IMAGE = "image";
  public static final String SEGMENTATION = "segmentation";

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public VolumeInfo {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(dataType, "data_type");
    if (!IMAGE.equals(type) && !SEGMENTATION.equals(type)) {
      throw new IllegalArgumentException("volume type must be image or segmentation, not " + type);
    }
    if (numChannels < 1) {
      throw new IllegalArgumentException("num_channels must be >= 1");
    }
    if (scales == null || scales.isEmpty()) {
      throw new IllegalArgumentException("a volume needs at least one scale");
    }
    if (atType == null) {
      atType = TYPE;
    }
    scales = List.copyOf(scales);
  }

  /** An image or segmentation volume without mesh and segment properties. */
  public static VolumeInfo of(String type, DataType dataType, int numChannels, List<Scale> scales) {
    return new VolumeInfo(TYPE, type, dataType, numChannels, scales, null, null);
  }

  public Scale scale(int index) {
    return scales.get(index);
  }

  public VolumeInfo withMesh(String meshDir) {
    return new VolumeInfo(atType, type, dataType, numChannels, scales, meshDir, segmentProperties);
  }

  public VolumeInfo withSegmentProperties(String dir) {
    return new VolumeInfo(atType, type, dataType, numChannels, scales, mesh, dir);
  }

  /** The JSON text, deterministic: equal infos give identical bytes. */
  public byte[] toJson() {
    try {
      return MAPPER.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static VolumeInfo fromJson(byte[] json) throws IOException {
    return MAPPER.readValue(json, VolumeInfo.class);
  }

  /**
   * One resolution level.
   *
   * @param key the folder of its chunks
   * @param size voxels {@code [x, y, z]}
   * @param resolution nanometres per voxel {@code [x, y, z]}
   * @param voxelOffset origin in voxels
   * @param chunkSizes chunk sizes (this library writes one)
   * @param encoding chunk encoding
   * @param compressedSegmentationBlockSize block size of {@code compressed_segmentation}, else null
   * @param sharding the scale's sharding, or null when every chunk is a file of its own
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({
    "key",
    "size",
    "resolution",
    "voxel_offset",
    "chunk_sizes",
    "encoding",
    "compressed_segmentation_block_size",
    "sharding"
  })
  public record Scale(
      @JsonProperty("key") String key,
      @JsonProperty("size") long[] size,
      @JsonProperty("resolution") double[] resolution,
      @JsonProperty("voxel_offset") long[] voxelOffset,
      @JsonProperty("chunk_sizes") List<int[]> chunkSizes,
      @JsonProperty("encoding") Encoding encoding,
      @JsonProperty("compressed_segmentation_block_size") int[] compressedSegmentationBlockSize,
      @JsonProperty("sharding") ShardingSpec sharding) {

    public Scale {
      Objects.requireNonNull(key, "key");
      check3(size, "size");
      if (resolution == null || resolution.length != 3) {
        throw new IllegalArgumentException("resolution must have 3 elements");
      }
      if (voxelOffset == null) {
        voxelOffset = new long[3];
      }
      check3(voxelOffset, "voxel_offset");
      if (chunkSizes == null || chunkSizes.isEmpty()) {
        throw new IllegalArgumentException("chunk_sizes must name at least one chunk size");
      }
      for (int[] c : chunkSizes) {
        if (c.length != 3 || c[0] < 1 || c[1] < 1 || c[2] < 1) {
          throw new IllegalArgumentException("chunk sizes must be three positive integers");
        }
      }
      chunkSizes = new ArrayList<>(chunkSizes);
      Objects.requireNonNull(encoding, "encoding");
      if ((encoding == Encoding.COMPRESSED_SEGMENTATION)
          != (compressedSegmentationBlockSize != null)) {
        throw new IllegalArgumentException(
            "compressed_segmentation_block_size is required with, and only with, compressed_segmentation");
      }
      if (compressedSegmentationBlockSize != null
          && (compressedSegmentationBlockSize.length != 3
              || compressedSegmentationBlockSize[0] < 1
              || compressedSegmentationBlockSize[1] < 1
              || compressedSegmentationBlockSize[2] < 1)) {
        throw new IllegalArgumentException(
            "compressed_segmentation_block_size must be three positive integers");
      }
    }

    /** A scale with one chunk size and a key derived from the resolution ({@link #keyOf}). */
    public static Scale of(
        long[] size, double[] resolution, int[] chunkSize, Encoding encoding, int[] csBlockSize) {
      return new Scale(
          keyOf(resolution),
          size,
          resolution,
          new long[3],
          List.of(chunkSize),
          encoding,
          csBlockSize,
          null);
    }

    /** This scale stored in shards of {@code spec} (null: unsharded). */
    public Scale withSharding(ShardingSpec spec) {
      return new Scale(
          key,
          size,
          resolution,
          voxelOffset,
          chunkSizes,
          encoding,
          compressedSegmentationBlockSize,
          spec);
    }

    /** The first (this library's only) chunk size. */
    public int[] chunkSize() {
      return chunkSizes.get(0);
    }

    /** {@code 8_8_33} for a resolution of 8, 8, 33 nm (fractions kept: {@code 4.5_4.5_40}). */
    public static String keyOf(double[] resolution) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 3; i++) {
        if (i > 0) {
          b.append('_');
        }
        double r = resolution[i];
        b.append(
            r == Math.rint(r) && Math.abs(r) < 1e15
                ? Long.toString((long) r)
                : java.math.BigDecimal.valueOf(r).stripTrailingZeros().toPlainString());
      }
      return b.toString();
    }

    private static void check3(long[] v, String name) {
      if (v == null || v.length != 3) {
        throw new IllegalArgumentException(name + " must have 3 elements");
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Scale s
          && key.equals(s.key)
          && java.util.Arrays.equals(size, s.size)
          && java.util.Arrays.equals(resolution, s.resolution)
          && java.util.Arrays.equals(voxelOffset, s.voxelOffset)
          && chunkSizes.size() == s.chunkSizes.size()
          && java.util.stream.IntStream.range(0, chunkSizes.size())
              .allMatch(i -> java.util.Arrays.equals(chunkSizes.get(i), s.chunkSizes.get(i)))
          && encoding == s.encoding
          && java.util.Arrays.equals(
              compressedSegmentationBlockSize, s.compressedSegmentationBlockSize)
          && Objects.equals(sharding, s.sharding);
    }

    @Override
    public int hashCode() {
      return Objects.hash(key, java.util.Arrays.hashCode(size), encoding);
    }

    @Override
    public String toString() {
      return "Scale["
          + key
          + " size "
          + java.util.Arrays.toString(size)
          + " chunk "
          + java.util.Arrays.toString(chunkSize())
          + " "
          + encoding.json()
          + (sharding == null ? "" : " sharded")
          + "]";
    }
  }
}
