package org.connectome.stages.precomputed;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A scale's chunk {@code encoding}. */
public enum Encoding {
  /** Little-endian voxels, x fastest, channels outermost, no header. */
  RAW,
  /** uint8, one image of width x and height y·z per chunk (rows in y then z order). */
  JPEG,
  /** Neuroglancer's compressed segmentation (uint32 or uint64) with a per-scale block size. */
  COMPRESSED_SEGMENTATION;

  @JsonValue
  public String json() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Encoding of(String s) {
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown encoding '" + s + "' (raw, jpeg, compressed_segmentation)");
    }
  }
}
