package org.connectome.stages.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One stitched section from stitch ({@code output/s<iiii>/montage.raw}, uint8 row-major with x
 * fastest, and {@code montage.json} with its width and height), memory-mapped in bands of rows so
 * sections larger than 2 GB work and only the rows a block touches are read.
 */
public final class Montage {
  /**
   * Relative to the run folder, for section {@code i}: {@code stages/stitch/stitch/output/s0007}.
   */
  public static String dir(int section) {
    return String.format("stages/stitch/stitch/output/s%04d", section);
  }

  private static final long BAND_BYTES = 1L << 30;

  private final int width;
  private final int height;
  private final int rowsPerBand;
  private final ByteBuffer[] bands;

  private Montage(int width, int height, ByteBuffer[] bands, int rowsPerBand) {
    this.width = width;
    this.height = height;
    this.bands = bands;
    this.rowsPerBand = rowsPerBand;
  }

  public static Montage open(Path runDir, int section) throws IOException {
    Path dir = runDir.resolve(dir(section));
    Path json = dir.resolve("montage.json");
    Path raw = dir.resolve("montage.raw");
    if (!Files.isRegularFile(json) || !Files.isRegularFile(raw)) {
      throw new NoSuchFileException(
          dir.toString(), null, "no montage.json and montage.raw of section " + section);
    }
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    long w = j.path("width").asLong(-1);
    long h = j.path("height").asLong(-1);
    if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      throw new IOException(json + ": bad width/height " + w + "x" + h);
    }
    long size = Files.size(raw);
    if (size != w * h) {
      throw new IOException(
          raw + " has " + size + " bytes, montage.json says " + w + "x" + h + " = " + w * h);
    }
    int rowsPerBand = (int) Math.max(1, Math.min(h, BAND_BYTES / w));
    int n = (int) ((h + rowsPerBand - 1) / rowsPerBand);
    MappedByteBuffer[] bands = new MappedByteBuffer[n];
    try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ)) {
      for (int b = 0; b < n; b++) {
        long start = (long) b * rowsPerBand * w;
        long len = Math.min((long) rowsPerBand * w, size - start);
        bands[b] = ch.map(FileChannel.MapMode.READ_ONLY, start, len);
      }
    }
    return new Montage((int) w, (int) h, bands, rowsPerBand);
  }

  /** A montage in memory (tests). */
  public static Montage of(int width, int height, byte[] pixels) {
    if (pixels.length != (long) width * height) {
      throw new IllegalArgumentException("pixels do not match " + width + "x" + height);
    }
    return new Montage(
        width, height, new ByteBuffer[] {ByteBuffer.wrap(pixels)}, Math.max(1, height));
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** Pixel {@code (x, y)}, 0 to 255; inside the montage only. */
  public int pixel(int x, int y) {
    return bands[y / rowsPerBand].get((y % rowsPerBand) * width + x) & 0xff;
  }

  /**
   * Bilinear sample at {@code (x, y)} (pixel centres at integers): 0 outside the montage's pixels
   * (more than half a pixel beyond the first or last centre), edge pixels extended within that half
   * pixel.
   */
  public double sample(double x, double y) {
    if (!(x >= -0.5 && y >= -0.5 && x <= width - 0.5 && y <= height - 0.5)) {
      return 0;
    }
    double cx = Math.min(Math.max(x, 0), width - 1);
    double cy = Math.min(Math.max(y, 0), height - 1);
    int x0 = (int) cx;
    int y0 = (int) cy;
    int x1 = Math.min(x0 + 1, width - 1);
    int y1 = Math.min(y0 + 1, height - 1);
    double fx = cx - x0;
    double fy = cy - y0;
    double top = pixel(x0, y0) * (1 - fx) + pixel(x1, y0) * fx;
    double bottom = pixel(x0, y1) * (1 - fx) + pixel(x1, y1) * fx;
    return top * (1 - fy) + bottom * fy;
  }
}
