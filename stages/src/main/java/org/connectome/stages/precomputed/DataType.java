package org.connectome.stages.precomputed;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A precomputed volume's {@code data_type}. */
public enum DataType {
  UINT8(1),
  UINT16(2),
  UINT32(4),
  UINT64(8),
  FLOAT32(4);

  private final int bytes;

  DataType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per voxel and channel. */
  public int bytes() {
    return bytes;
  }

  @JsonValue
  public String json() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static DataType of(String s) {
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown data_type '" + s + "' (uint8, uint16, uint32, uint64, float32)");
    }
  }
}
