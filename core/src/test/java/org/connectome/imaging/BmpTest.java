package org.connectome.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BmpTest {
  @TempDir Path dir;

  private static byte[] randomPixels(int w, int h, long seed) {
    byte[] p = new byte[w * h];
    new Random(seed).nextBytes(p);
    return p;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 7, 128, 131})
  void roundTripKeepsEveryPixelWhateverTheRowPadding(int width) throws Exception {
    int height = 5;
    byte[] pixels = randomPixels(width, height, width);
    Path f = dir.resolve("t" + width + ".bmp");
    Bmp.write8(f, width, height, pixels);

    long stride = (width + 3) / 4 * 4;
    assertEquals(1078 + stride * height, Files.size(f));
    assertEquals(Bmp.fileSize8(width, height), Files.size(f));
    Bmp.Header h = Bmp.readHeader(f);
    assertEquals(width, h.width());
    assertEquals(height, h.height());
    assertEquals(8, h.bitsPerPixel());
    assertEquals(1078, h.pixelDataOffset());
    assertEquals(Files.size(f), h.expectedFileSize());
    assertFalse(h.topDown());
    assertEquals(h, Bmp.check8(f));
    Image8 img = Bmp.read8(f);
    assertEquals(width, img.width());
    assertArrayEquals(pixels, img.pixels());
  }

  @Test
  void writesTheStandardHeadersBottomUpWithAGreyPalette() throws Exception {
    byte[] pixels = {10, 20, 30, 40, 50, 60}; // 3 x 2, top row 10 20 30
    byte[] bytes = Bmp.encode8(3, 2, pixels);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals('B', bytes[0]);
    assertEquals('M', bytes[1]);
    assertEquals(bytes.length, b.getInt(2));
    assertEquals(1078, b.getInt(10));
    assertEquals(40, b.getInt(14));
    assertEquals(2, b.getInt(22)); // positive height: bottom-up
    assertEquals(8, b.getShort(28));
    assertEquals(0, b.getInt(30));
    assertEquals(256, b.getInt(46));
    assertEquals(200, bytes[54 + 4 * 200 + 1] & 0xFF);
    // first stored row is the bottom image row, padded to 4 bytes
    assertArrayEquals(
        new byte[] {40, 50, 60, 0, 10, 20, 30, 0}, Arrays.copyOfRange(bytes, 1078, 1086));
  }

  @Test
  void truncatedFileNamesExpectedAndFoundSizes() throws Exception {
    Path f = dir.resolve("cut.bmp");
    byte[] full = Bmp.encode8(64, 48, randomPixels(64, 48, 1));
    Files.write(f, Arrays.copyOf(full, 2000));
    assertEquals(64, Bmp.readHeader(f).width()); // headers are intact
    BmpException e = assertThrows(BmpException.class, () -> Bmp.read8(f));
    assertEquals(BmpException.Kind.TRUNCATED, e.kind());
    assertEquals(f + ": truncated: expected " + full.length + " bytes, found 2000", e.getMessage());
    assertEquals(
        BmpException.Kind.TRUNCATED, assertThrows(BmpException.class, () -> Bmp.check8(f)).kind());

    Files.write(f, Arrays.copyOf(full, 30));
    e = assertThrows(BmpException.class, () -> Bmp.readHeader(f));
    assertEquals(BmpException.Kind.TRUNCATED, e.kind());
    assertTrue(e.getMessage().contains("found 30"), e.getMessage());
  }

  @Test
  void badMagicIsNamed() throws Exception {
    Path f = dir.resolve("bad.bmp");
    byte[] bytes = Bmp.encode8(8, 8, new byte[64]);
    bytes[0] = 0;
    bytes[1] = 0;
    Files.write(f, bytes);
    BmpException e = assertThrows(BmpException.class, () -> Bmp.read8(f));
    assertEquals(BmpException.Kind.BAD_MAGIC, e.kind());
    assertEquals(f.toString(), e.file());
    assertEquals(f + ": not a BMP file: bad magic 0x0000 (expected 'BM', 0x424D)", e.getMessage());

    Files.write(f, new byte[0]);
    assertEquals(
        BmpException.Kind.BAD_MAGIC,
        assertThrows(BmpException.class, () -> Bmp.readHeader(f)).kind());
  }

  @Test
  void otherDepthsAndCompressionAreUnsupportedButTheirHeadersRead() throws Exception {
    byte[] bytes = Bmp.encode8(8, 8, new byte[64]);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(28, (short) 24);
    Bmp.Header h = Bmp.readHeader(bytes);
    assertEquals(24, h.bitsPerPixel());
    BmpException e = assertThrows(BmpException.class, () -> Bmp.decode8(bytes, "x.bmp"));
    assertEquals(BmpException.Kind.UNSUPPORTED, e.kind());
    assertEquals(
        "x.bmp: unsupported: 24 bits per pixel (only 8-bit grayscale BMP is read)", e.getMessage());

    byte[] zeroBpp = Bmp.encode8(8, 8, new byte[64]);
    ByteBuffer.wrap(zeroBpp).order(ByteOrder.LITTLE_ENDIAN).putShort(28, (short) 0);
    assertEquals(
        BmpException.Kind.UNSUPPORTED,
        assertThrows(BmpException.class, () -> Bmp.decode8(zeroBpp, "z.bmp")).kind());

    byte[] rle = Bmp.encode8(8, 8, new byte[64]);
    ByteBuffer.wrap(rle).order(ByteOrder.LITTLE_ENDIAN).putInt(30, 1);
    assertEquals(
        BmpException.Kind.UNSUPPORTED,
        assertThrows(BmpException.class, () -> Bmp.decode8(rle, "r")).kind());

    byte[] zeroWidth = Bmp.encode8(8, 8, new byte[64]);
    ByteBuffer.wrap(zeroWidth).order(ByteOrder.LITTLE_ENDIAN).putInt(18, 0);
    assertEquals(
        BmpException.Kind.MALFORMED,
        assertThrows(BmpException.class, () -> Bmp.readHeader(zeroWidth)).kind());
  }

  @Test
  void readsTopDownFilesAndMapsNonGreyPalettes() throws Exception {
    byte[] pixels = {1, 2, 3, 4, 5, 6};
    byte[] bytes = Bmp.encode8(3, 2, pixels);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(22, -2); // top-down: stored rows are now read in order
    Image8 img = Bmp.decode8(bytes, "td.bmp");
    assertEquals(4, img.get(0, 0));
    assertEquals(3, img.get(2, 1));
    // palette entry 1 -> pure red: luminance 76
    b.put(54 + 4, (byte) 0).put(54 + 5, (byte) 0).put(54 + 6, (byte) 255);
    assertEquals(76, Bmp.decode8(bytes, "pal.bmp").get(0, 1));
  }

  @Test
  void rejectsWrongPixelCounts() {
    assertThrows(IllegalArgumentException.class, () -> Bmp.encode8(3, 3, new byte[8]));
    assertThrows(IllegalArgumentException.class, () -> Bmp.encode8(0, 3, new byte[0]));
  }

  @Test
  void multiSemNamesRoundTrip() {
    LocalDateTime t = LocalDateTime.of(2021, 5, 25, 21, 46, 49, 929_764_300);
    String stamp = MultiSem.timestamp(t);
    assertEquals("2021-05-25T2146499297643", stamp);
    assertEquals(t, MultiSem.parseTimestamp(stamp));
    String name = MultiSem.tileFileName(8, 7, 55, stamp);
    assertEquals("008_000007_055_2021-05-25T2146499297643.bmp", name);
    MultiSem.TileName parsed = MultiSem.TileName.parse("thumbnail_" + name).orElseThrow();
    assertTrue(parsed.thumbnail());
    assertEquals(8, parsed.sectionIndex());
    assertEquals(7, parsed.mfov());
    assertEquals(55, parsed.beam());
    assertEquals("thumbnail_" + name, parsed.fileName());
    assertTrue(MultiSem.TileName.parse("Thumbs.db").isEmpty());
    assertEquals("001_S1R1", MultiSem.sectionFolder(1, 1, 1));
    assertEquals("demo_20210525_21-46-49", MultiSem.workflowFolder("demo", t));
    assertTrue(MultiSem.WORKFLOW_FOLDER.matcher("demo_20210525_21-46-49").matches());
  }
}
