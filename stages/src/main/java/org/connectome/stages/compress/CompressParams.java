package org.connectome.stages.compress;

import java.util.List;
import java.util.Map;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.ParamValues;

/**
 * The compress steps' parameters (besides {@code blockSize}, which the planner reads):
 *
 * <ul>
 *   <li>{@code chunkSize}: chunk size of every scale, default {@code [64, 64, 16]};
 *   <li>{@code scales}: number of scales, default: until the coarsest fits a chunk in xy (as far as
 *       the block allows);
 *   <li>{@code downsample}: factor between scales, {@code [2, 2, 1]} (default) or {@code [2, 2,
 *       2]};
 *   <li>image: {@code encoding} {@code jpeg} (default) or {@code raw}, {@code jpegQuality} 1 to 100
 *       (default 90);
 *   <li>segmentation: {@code encoding} {@code compressed_segmentation} (default) or {@code raw},
 *       {@code compressedSegmentationBlockSize} (default {@code [8, 8, 8]}), {@code mesh} and
 *       {@code segmentProperties} (folder names written into the info, default none), {@code
 *       whenNoSegmentation} {@code fail} (default) or {@code skip}.
 * </ul>
 */
public record CompressParams(
    int[] chunkSize,
    Integer scales,
    int[] downsample,
    Encoding encoding,
    int jpegQuality,
    int[] csBlockSize,
    String mesh,
    String segmentProperties,
    boolean skipWithoutInput) {

  public static final int[] DEFAULT_CHUNK = {64, 64, 16};
  public static final int[] DEFAULT_DOWNSAMPLE = {2, 2, 1};
  public static final int[] DEFAULT_CS_BLOCK = {8, 8, 8};

  public static CompressParams image(Map<String, Object> params) {
    ParamValues p = new ParamValues("compress.image", params);
    Encoding e = Encoding.of(p.string("encoding", "jpeg", List.of("jpeg", "raw")));
    return new CompressParams(
        p.vec3("chunkSize", DEFAULT_CHUNK, 1),
        scales(p),
        p.vec3("downsample", DEFAULT_DOWNSAMPLE, 1),
        e,
        p.integer("jpegQuality", 90, 1, 100),
        null,
        null,
        null,
        false);
  }

  public static CompressParams segmentation(Map<String, Object> params) {
    ParamValues p = new ParamValues("compress.segmentation", params);
    Encoding e =
        Encoding.of(
            p.string(
                "encoding", "compressed_segmentation", List.of("compressed_segmentation", "raw")));
    return new CompressParams(
        p.vec3("chunkSize", DEFAULT_CHUNK, 1),
        scales(p),
        p.vec3("downsample", DEFAULT_DOWNSAMPLE, 1),
        e,
        0,
        e == Encoding.COMPRESSED_SEGMENTATION
            ? p.vec3("compressedSegmentationBlockSize", DEFAULT_CS_BLOCK, 1)
            : null,
        p.string("mesh", null, null),
        p.string("segmentProperties", null, null),
        p.string("whenNoSegmentation", "fail", List.of("fail", "skip")).equals("skip"));
  }

  private static Integer scales(ParamValues p) {
    return p.has("scales") ? p.integer("scales", 1, 1, 32) : null;
  }
}
