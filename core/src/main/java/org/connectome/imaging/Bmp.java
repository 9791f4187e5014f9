package org.connectome.imaging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A small codec for the microscope's tile format: uncompressed 8-bit grayscale Windows BMP.
 *
 * <p>Written files are exactly what the MultiSEM writes: a 14-byte {@code BITMAPFILEHEADER}, a
 * 40-byte {@code BITMAPINFOHEADER}, a 256-entry grey palette (so pixel data starts at byte 1078),
 * then the rows bottom-up, each padded with zeros to a multiple of 4 bytes. Reading accepts any
 * uncompressed 8-bit BMP with a 40-, 108- or 124-byte info header, bottom-up or top-down, with any
 * palette (values are mapped through it; a grey palette is the identity).
 *
 * <p>Every failure is a {@link BmpException} whose message names the file and what is wrong: bad
 * magic, unsupported bits per pixel or compression, truncated (expected N bytes, found M) or
 * malformed header.
 */
public final class Bmp {
  /** Size of {@code BITMAPFILEHEADER}. */
  public static final int FILE_HEADER_SIZE = 14;

  /** Size of {@code BITMAPINFOHEADER}. */
  public static final int INFO_HEADER_SIZE = 40;

  /** Bytes both headers take: what must be readable before anything else can be said. */
  public static final int HEADERS_SIZE = FILE_HEADER_SIZE + INFO_HEADER_SIZE;

  /**
   * Where pixel data starts in the files {@link #write8} writes (headers and a 256-entry palette).
   */
  public static final int PIXEL_DATA_OFFSET_8 = HEADERS_SIZE + 256 * 4;

  private Bmp() {}

  /**
   * What a BMP's headers say.
   *
   * @param width columns
   * @param height rows (positive even when the file stores them top-down)
   * @param bitsPerPixel bits per pixel (only 8 can be read by {@link #read8})
   * @param pixelDataOffset byte offset of the pixel data
   * @param expectedFileSize offset plus padded rows: the least size a complete file has
   * @param topDown whether rows are stored top-down (negative height in the header)
   * @param compression {@code biCompression} (0 = uncompressed)
   * @param infoHeaderSize size of the info header (40, 108 or 124)
   * @param paletteEntries palette entries ({@code biClrUsed}, or 2^bpp when 0 and bpp &lt;= 8)
   */
  public record Header(
      int width,
      int height,
      int bitsPerPixel,
      long pixelDataOffset,
      long expectedFileSize,
      boolean topDown,
      int compression,
      int infoHeaderSize,
      int paletteEntries) {
    /** Bytes per stored row, padding included. */
    public long rowStride() {
      return Bmp.rowStride(width, bitsPerPixel);
    }
  }

  /**
   * Bytes per stored row of {@code width} pixels at {@code bitsPerPixel}, padded to a multiple of
   * 4.
   */
  public static long rowStride(int width, int bitsPerPixel) {
    return (((long) width * bitsPerPixel + 31) / 32) * 4;
  }

  /** The size of the file {@link #write8} writes for a {@code width x height} image. */
  public static long fileSize8(int width, int height) {
    return PIXEL_DATA_OFFSET_8 + rowStride(width, 8) * height;
  }

  /**
   * Writes an 8-bit grayscale BMP.
   *
   * @param pixels {@code width * height} bytes, rows top-down (they are stored bottom-up, as BMP
   *     does)
   */
  public static void write8(Path file, int width, int height, byte[] pixels) throws IOException {
    Files.write(file, encode8(width, height, pixels));
  }

  /** The bytes of the file {@link #write8} writes. */
  public static byte[] encode8(int width, int height, byte[] pixels) {
    Objects.requireNonNull(pixels, "pixels");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("BMP size must be positive: " + width + " x " + height);
    }
    if (pixels.length != (long) width * height) {
      throw new IllegalArgumentException(
          "pixels: " + pixels.length + " bytes for a " + width + " x " + height + " image");
    }
    long size = fileSize8(width, height);
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("BMP too large: " + width + " x " + height);
    }
    int stride = (int) rowStride(width, 8);
    byte[] out = new byte[(int) size];
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B')
        .put((byte) 'M')
        .putInt((int) size)
        .putShort((short) 0)
        .putShort((short) 0)
        .putInt(PIXEL_DATA_OFFSET_8);
    b.putInt(INFO_HEADER_SIZE)
        .putInt(width)
        .putInt(height)
        .putShort((short) 1)
        .putShort((short) 8)
        .putInt(0) // BI_RGB
        .putInt(stride * height)
        .putInt(0)
        .putInt(0)
        .putInt(256)
        .putInt(0);
    for (int i = 0; i < 256; i++) {
      b.put((byte) i).put((byte) i).put((byte) i).put((byte) 0);
    }
    for (int y = 0; y < height; y++) {
      System.arraycopy(
          pixels, (height - 1 - y) * width, out, PIXEL_DATA_OFFSET_8 + y * stride, width);
    }
    return out;
  }

  /**
   * Reads and checks the headers of a BMP file (its first {@value #HEADERS_SIZE} bytes); does not
   * look at the file's length: {@link #check8(Path)} does.
   *
   * @throws BmpException bad magic, headers cut short, or impossible header fields
   */
  public static Header readHeader(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(HEADERS_SIZE);
    }
    return parseHeader(head, file.toString());
  }

  /** {@link #readHeader(Path)} of a file's bytes (or at least its first {@value #HEADERS_SIZE}). */
  public static Header readHeader(byte[] data) throws BmpException {
    return parseHeader(data, "<bytes>");
  }

  /** {@link #readHeader(byte[])} with a name for messages. */
  public static Header readHeader(byte[] data, String name) throws BmpException {
    return parseHeader(data, name);
  }

  /**
   * Checks, without reading the pixels, that a file is a complete BMP that {@link #read8} reads:
   * headers valid, 8 bits per pixel, uncompressed, and the file at least as long as its headers
   * say.
   */
  public static Header check8(Path file) throws IOException {
    Header h = readHeader(file);
    requireReadable8(h, file.toString());
    long size = Files.size(file);
    if (size < h.expectedFileSize()) {
      throw truncated(file.toString(), h.expectedFileSize(), size);
    }
    return h;
  }

  /** Reads an 8-bit BMP file. */
  public static Image8 read8(Path file) throws IOException {
    return decode8(Files.readAllBytes(file), file.toString());
  }

  /** Decodes the bytes of an 8-bit BMP; {@code name} is used in messages. */
  public static Image8 decode8(byte[] data, String name) throws BmpException {
    Header h = parseHeader(data, name);
    requireReadable8(h, name);
    if (data.length < h.expectedFileSize()) {
      throw truncated(name, h.expectedFileSize(), data.length);
    }
    long paletteStart = FILE_HEADER_SIZE + (long) h.infoHeaderSize();
    int entries = h.paletteEntries();
    if (paletteStart + 4L * entries > h.pixelDataOffset()) {
      throw new BmpException(
          BmpException.Kind.MALFORMED,
          name,
          "malformed: palette of "
              + entries
              + " entries does not fit before the pixel data at byte "
              + h.pixelDataOffset());
    }
    byte[] lut = new byte[256];
    boolean identity = entries == 256;
    for (int i = 0; i < 256; i++) {
      if (i < entries) {
        int p = (int) paletteStart + 4 * i;
        int bl = data[p] & 0xFF;
        int g = data[p + 1] & 0xFF;
        int r = data[p + 2] & 0xFF;
        int grey = (r * 299 + g * 587 + bl * 114 + 500) / 1000;
        lut[i] = (byte) grey;
        identity &= bl == i && g == i && r == i;
      }
    }
    int w = h.width();
    int ht = h.height();
    int stride = (int) h.rowStride();
    int offset = (int) h.pixelDataOffset();
    byte[] pixels = new byte[w * ht];
    for (int row = 0; row < ht; row++) {
      int y = h.topDown() ? row : ht - 1 - row;
      int src = offset + row * stride;
      int dst = y * w;
      if (identity) {
        System.arraycopy(data, src, pixels, dst, w);
      } else {
        for (int x = 0; x < w; x++) {
          pixels[dst + x] = lut[data[src + x] & 0xFF];
        }
      }
    }
    return new Image8(w, ht, pixels);
  }

  private static void requireReadable8(Header h, String name) throws BmpException {
    if (h.bitsPerPixel() != 8) {
      throw new BmpException(
          BmpException.Kind.UNSUPPORTED,
          name,
          "unsupported: "
              + h.bitsPerPixel()
              + " bits per pixel (only 8-bit grayscale BMP is read)");
    }
    if (h.compression() != 0) {
      throw new BmpException(
          BmpException.Kind.UNSUPPORTED,
          name,
          "unsupported: compression " + h.compression() + " (only uncompressed BI_RGB is read)");
    }
    if (h.expectedFileSize() > Integer.MAX_VALUE) {
      throw new BmpException(
          BmpException.Kind.UNSUPPORTED,
          name,
          "unsupported: " + h.width() + " x " + h.height() + " is too large to read into memory");
    }
  }

  private static BmpException truncated(String name, long expected, long found) {
    return new BmpException(
        BmpException.Kind.TRUNCATED,
        name,
        "truncated: expected " + expected + " bytes, found " + found);
  }

  private static Header parseHeader(byte[] data, String name) throws BmpException {
    if (data.length < 2 || data[0] != 'B' || data[1] != 'M') {
      String found =
          data.length < 2
              ? "a file of " + data.length + " bytes"
              : String.format("bad magic 0x%02X%02X", data[0] & 0xFF, data[1] & 0xFF);
      throw new BmpException(
          BmpException.Kind.BAD_MAGIC,
          name,
          "not a BMP file: " + found + " (expected 'BM', 0x424D)");
    }
    if (data.length < HEADERS_SIZE) {
      throw new BmpException(
          BmpException.Kind.TRUNCATED,
          name,
          "truncated: expected at least "
              + HEADERS_SIZE
              + " bytes of BMP headers, found "
              + data.length);
    }
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    long offset = b.getInt(10) & 0xFFFFFFFFL;
    int infoSize = b.getInt(14);
    if (infoSize != 40 && infoSize != 52 && infoSize != 56 && infoSize != 108 && infoSize != 124) {
      throw new BmpException(
          BmpException.Kind.UNSUPPORTED,
          name,
          "unsupported: info header of " + infoSize + " bytes (expected 40, 108 or 124)");
    }
    int width = b.getInt(18);
    int rawHeight = b.getInt(22);
    int planes = b.getShort(26) & 0xFFFF;
    int bpp = b.getShort(28) & 0xFFFF;
    int compression = b.getInt(30);
    int clrUsed = b.getInt(46);
    if (width <= 0 || rawHeight == 0 || rawHeight == Integer.MIN_VALUE) {
      throw new BmpException(
          BmpException.Kind.MALFORMED, name, "malformed: image size " + width + " x " + rawHeight);
    }
    if (planes != 1) {
      throw new BmpException(
          BmpException.Kind.MALFORMED, name, "malformed: " + planes + " planes (expected 1)");
    }
    if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32) {
      throw new BmpException(
          BmpException.Kind.UNSUPPORTED,
          name,
          "unsupported: " + bpp + " bits per pixel (only 8-bit grayscale BMP is read)");
    }
    if (offset < FILE_HEADER_SIZE + (long) infoSize) {
      throw new BmpException(
          BmpException.Kind.MALFORMED,
          name,
          "malformed: pixel data offset " + offset + " lies inside the headers");
    }
    int height = Math.abs(rawHeight);
    int palette = bpp <= 8 ? (clrUsed > 0 && clrUsed <= (1 << bpp) ? clrUsed : 1 << bpp) : 0;
    long expected = offset + rowStride(width, bpp) * height;
    return new Header(
        width, height, bpp, offset, expected, rawHeight < 0, compression, infoSize, palette);
  }
}
