package org.connectome.stages.compress;

import java.util.List;
import java.util.Map;
import org.connectome.pipeline.CompressPlanners;
import org.connectome.spec.Param;
import org.connectome.stages.precomputed.Encoding;

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

  // read by the planners too (the pyramid's shape): declared once, there
  static final Param<int[]> CHUNK_SIZE = CompressPlanners.CHUNK_SIZE;
  static final Param<Integer> SCALES = CompressPlanners.SCALES;
  static final Param<int[]> DOWNSAMPLE = CompressPlanners.DOWNSAMPLE;
  static final Param<String> IMAGE_ENCODING =
      Param.choice("encoding", "jpeg", List.of("jpeg", "raw"), "Encoding of the image chunks.");
  static final Param<Integer> JPEG_QUALITY =
      Param.integer("jpegQuality", 90, 1, 100, "JPEG quality of the image chunks.");
  static final Param<String> SEGMENTATION_ENCODING =
      Param.choice(
          "encoding",
          "compressed_segmentation",
          List.of("compressed_segmentation", "raw"),
          "Encoding of the segmentation chunks.");
  static final Param<int[]> CS_BLOCK =
      Param.int3(
          "compressedSegmentationBlockSize",
          DEFAULT_CS_BLOCK,
          1,
          "Block size of compressed_segmentation, voxels (x, y, z).");
  static final Param<String> MESH =
      Param.folderName(
          "mesh", null, "Mesh folder named in the segmentation's info (the mesh stage fills it).");
  static final Param<String> SEGMENT_PROPERTIES =
      Param.folderName(
          "segmentProperties",
          null,
          "Segment properties folder named in the segmentation's info (segment.merge fills"
              + " it).");
  static final Param<String> WHEN_NO_SEGMENTATION =
      Param.choice(
          "whenNoSegmentation",
          "fail",
          List.of("fail", "skip"),
          "Without volumes/segmentation: fail, or record the unit as skipped.");

  /**
   * The parameters the reference {@code compress.image} reads besides the planner's ({@code
   * chunkSize}, {@code scales}, {@code downsample}, ... shape the pyramid, so the planners declare
   * them).
   */
  public static final List<Param<?>> IMAGE_PARAMS = List.of(IMAGE_ENCODING, JPEG_QUALITY);

  /** The parameters the reference {@code compress.segmentation} reads besides the planner's. */
  public static final List<Param<?>> SEGMENTATION_PARAMS =
      List.of(SEGMENTATION_ENCODING, CS_BLOCK, MESH, SEGMENT_PROPERTIES, WHEN_NO_SEGMENTATION);

  public static CompressParams image(Map<String, Object> p) {
    String step = "compress.image";
    return new CompressParams(
        CHUNK_SIZE.read(step, p),
        SCALES.read(step, p),
        DOWNSAMPLE.read(step, p),
        Encoding.of(IMAGE_ENCODING.read(step, p)),
        JPEG_QUALITY.read(step, p),
        null,
        null,
        null,
        false);
  }

  public static CompressParams segmentation(Map<String, Object> p) {
    String step = "compress.segmentation";
    Encoding e = Encoding.of(SEGMENTATION_ENCODING.read(step, p));
    return new CompressParams(
        CHUNK_SIZE.read(step, p),
        SCALES.read(step, p),
        DOWNSAMPLE.read(step, p),
        e,
        0,
        e == Encoding.COMPRESSED_SEGMENTATION ? CS_BLOCK.read(step, p) : null,
        MESH.read(step, p),
        SEGMENT_PROPERTIES.read(step, p),
        WHEN_NO_SEGMENTATION.read(step, p).equals("skip"));
  }
}
