package org.connectome.imaging;

import java.util.Objects;

/**
 * An 8-bit grayscale image, rows top-down, {@code width} bytes per row, no padding.
 *
 * @param width columns
 * @param height rows
 * @param pixels {@code width * height} bytes, pixel (x, y) at {@code y * width + x}; read them
 *     unsigned
 */
public record Image8(int width, int height, byte[] pixels) {
  public Image8 {
    Objects.requireNonNull(pixels, "pixels");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image size must be positive: " + width + " x " + height);
    }
    if (pixels.length != (long) width * height) {
      throw new IllegalArgumentException(
          "pixels: " + pixels.length + " bytes for a " + width + " x " + height + " image");
    }
  }

  /** The grey value (0-255) of pixel (x, y). */
  public int get(int x, int y) {
    return pixels[y * width + x] & 0xFF;
  }
}
