package org.connectome.stages.precomputed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** raw and jpeg chunk encodings. */
class CodecsTest {
  @Test
  void rawLabelsAreLittleEndianXFastestChannelsOutermost() {
    LabelVolume v =
        new LabelVolume(2, 1, 1, 2, new long[] {0x0102030405060708L, 2, 3, 0xffffffffffffffffL});
    byte[] b = RawCodec.encode(v, DataType.UINT64);
    assertEquals(32, b.length);
    assertArrayEquals(new byte[] {8, 7, 6, 5, 4, 3, 2, 1}, java.util.Arrays.copyOfRange(b, 0, 8));
    assertEquals(2, b[8]);
    assertEquals(3, b[16]);
    assertEquals(-1, b[31]);
    LabelVolume back = RawCodec.decodeLabels(b, DataType.UINT64, 2, 1, 1, 2);
    assertArrayEquals(v.data(), back.data());

    LabelVolume small = new LabelVolume(3, 1, 1, 1, new long[] {1, 0xfffffffeL, 65536});
    byte[] s = RawCodec.encode(small, DataType.UINT32);
    assertArrayEquals(new byte[] {1, 0, 0, 0, -2, -1, -1, -1, 0, 0, 1, 0}, s);
    assertArrayEquals(small.data(), RawCodec.decodeLabels(s, DataType.UINT32, 3, 1, 1, 1).data());
    assertThrows(
        IllegalArgumentException.class,
        () -> RawCodec.encode(new LabelVolume(1, 1, 1, 1, new long[] {1L << 32}), DataType.UINT32));
    assertThrows(
        IllegalArgumentException.class,
        () -> RawCodec.decodeLabels(new byte[5], DataType.UINT32, 1, 1, 1, 1));
  }

  @Test
  void rawImagesAreTheVoxelsAsIs() {
    ByteVolume v = new ByteVolume(3, 2, 2);
    for (int i = 0; i < v.data().length; i++) {
      v.data()[i] = (byte) (i * 20);
    }
    assertArrayEquals(v.data(), RawCodec.encode(v));
    assertEquals(200, RawCodec.decodeBytes(RawCodec.encode(v), 3, 2, 2, 1).get(1, 1, 1));
    assertThrows(
        IllegalArgumentException.class, () -> RawCodec.decodeBytes(new byte[11], 3, 2, 2, 1));
  }

  @Test
  void jpegChunkIsOneGrayscaleImageOfWidthXAndHeightYTimesZ() throws Exception {
    int sx = 64;
    int sy = 48;
    int sz = 5;
    ByteVolume v = new ByteVolume(sx, sy, sz);
    for (int z = 0; z < sz; z++) {
      for (int y = 0; y < sy; y++) {
        for (int x = 0; x < sx; x++) {
          v.set(x, y, z, (int) (128 + 60 * Math.sin(x / 7.0 + z) * Math.cos(y / 9.0)));
        }
      }
    }
    byte[] jpeg = JpegCodec.encode(v, 95);
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(jpeg));
    assertEquals(sx, img.getWidth());
    assertEquals(sy * sz, img.getHeight());
    assertEquals(1, img.getRaster().getNumBands());
    // row y + sy * z of the image is row y of plane z
    assertTrue(Math.abs(img.getRaster().getSample(10, 7 + sy * 3, 0) - v.get(10, 7, 3)) <= 6);
    ByteVolume back = JpegCodec.decode(jpeg, sx, sy, sz);
    double err = 0;
    for (int i = 0; i < v.data().length; i++) {
      err += Math.abs((v.data()[i] & 0xff) - (back.data()[i] & 0xff));
    }
    assertTrue(err / v.data().length < 2.0, "mean abs error " + err / v.data().length);
    assertTrue(JpegCodec.encode(v, 50).length < jpeg.length);
    assertThrows(IllegalArgumentException.class, () -> JpegCodec.decode(jpeg, sx, sy, sz + 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> JpegCodec.encode(new ByteVolume(2, 2, 2, 2, new byte[16]), 90));
    assertThrows(
        IllegalArgumentException.class, () -> JpegCodec.encode(new ByteVolume(1, 1000, 100), 90));
  }
}
