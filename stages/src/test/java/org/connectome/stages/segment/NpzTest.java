package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipFile;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.LabelVolume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NPZ reader against archives NumPy itself wrote (test resources made with {@code
 * np.savez_compressed} and {@code np.savez}, values {@code 100 z + 10 y + x (+ 1)} of shape (3, 4,
 * 5)), and the writer by round trip and by byte layout.
 */
class NpzTest {
  static Path resource(Path dir, String name) throws IOException {
    Path p = dir.resolve(name);
    try (InputStream in = NpzTest.class.getResourceAsStream(name)) {
      Files.copy(in, p);
    }
    return p;
  }

  static long expected(int z, int y, int x) {
    return 100L * z + 10L * y + x;
  }

  @Test
  void readsFfnsSaveSubvolumeOutputAndIgnoresPickledEntries(@TempDir Path dir) throws Exception {
    Path f = resource(dir, "ffn-like.npz");
    Map<String, Npz.Header> arrays = Npz.list(f);
    assertEquals(
        java.util.List.of("segmentation", "origins", "request", "counters", "overlaps"),
        java.util.List.copyOf(arrays.keySet()));
    assertEquals("<u2", arrays.get("segmentation").descr());
    assertArrayEquals(new long[] {3, 4, 5}, arrays.get("segmentation").shape());
    assertEquals("|O", arrays.get("origins").descr());
    assertFalse(arrays.get("origins").isInteger());
    Npz.Array seg = Npz.read(f, "segmentation");
    for (int z = 0; z < 3; z++) {
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 5; x++) {
          assertEquals(expected(z, y, x) + 1, seg.values()[(z * 4 + y) * 5 + x]);
        }
      }
    }
    IOException e = assertThrows(IOException.class, () -> Npz.read(f, "origins"));
    assertTrue(
        e.getMessage().contains("origins") && e.getMessage().contains("pickled"), e.getMessage());
    IOException missing = assertThrows(IOException.class, () -> Npz.read(f, "labels"));
    assertTrue(missing.getMessage().contains("no array 'labels'"), missing.getMessage());
  }

  @Test
  void readsStoredArchivesSignedBigEndianFortranAndBoolean(@TempDir Path dir) throws Exception {
    Path f = resource(dir, "mixed.npz");
    Npz.Array big = Npz.read(f, "big");
    assertEquals("<i8", big.descr());
    for (int i = 0; i < 60; i++) {
      assertEquals(i * (1L << 40) - 7, big.values()[i]);
    }
    Npz.Array fortran = Npz.read(f, "fortran");
    Npz.Array bigEndian = Npz.read(f, "bigendian");
    assertTrue(Npz.list(f).get("fortran").fortranOrder());
    assertEquals(">u4", bigEndian.descr());
    for (int z = 0; z < 3; z++) {
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 5; x++) {
          assertEquals(
              expected(z, y, x), fortran.values()[(z * 4 + y) * 5 + x], "fortran " + z + y + x);
          assertEquals(
              expected(z, y, x),
              bigEndian.values()[(z * 4 + y) * 5 + x],
              "big endian " + z + y + x);
        }
      }
    }
    assertArrayEquals(new long[] {-3, 250}, Npz.read(f, "small").values());
    Npz.Array flags = Npz.read(f, "flags");
    assertEquals(1, flags.values()[0]);
    assertEquals(0, flags.values()[1]);
    // a box read from the Fortran-order array equals the same box of the C-order one
    long[] a = Npz.readBox(f, "fortran", null, 1, 2, 1, 2, 2, 3);
    long[] b = Npz.readBox(f, "bigendian", null, 1, 2, 1, 2, 2, 3);
    assertArrayEquals(a, b);
    assertEquals(expected(1, 2, 1), a[0]);
    assertEquals(expected(2, 3, 3), a[a.length - 1]);
  }

  @Test
  void writesWhatItReadsInEveryWidthAndNumpyLayout(@TempDir Path dir) throws Exception {
    Map<String, Npz.Array> arrays = new LinkedHashMap<>();
    long[] shape = {2, 3, 4};
    arrays.put("u1", new Npz.Array("|u1", shape, fill(24, 250)));
    arrays.put("u2", new Npz.Array("<u2", shape, fill(24, 65_000)));
    arrays.put("u4", new Npz.Array("<u4", shape, fill(24, 4_000_000_000L)));
    arrays.put("u8", new Npz.Array("<u8", shape, fill(24, 1L << 50)));
    arrays.put("i2", new Npz.Array("<i2", shape, fill(24, -30_000)));
    for (boolean compressed : new boolean[] {true, false}) {
      Path f = dir.resolve("a" + compressed + ".npz");
      Npz.write(f, arrays, compressed);
      for (var e : arrays.entrySet()) {
        Npz.Array back = Npz.read(f, e.getKey());
        assertEquals(e.getValue().descr(), back.descr());
        assertArrayEquals(e.getValue().shape(), back.shape());
        assertArrayEquals(e.getValue().values(), back.values(), e.getKey());
      }
      try (ZipFile zip = new ZipFile(f.toFile())) {
        assertEquals(
            compressed ? java.util.zip.ZipEntry.DEFLATED : java.util.zip.ZipEntry.STORED,
            zip.getEntry("u2.npy").getMethod());
      }
    }
    // np.save's layout: magic, version 1.0, header padded with spaces to a multiple of 64 and ended
    // by a newline
    byte[] npy = Npz.npy(arrays.get("u2"));
    assertEquals((byte) 0x93, npy[0]);
    assertEquals("NUMPY", new String(npy, 1, 5, java.nio.charset.StandardCharsets.US_ASCII));
    int headerLen = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
    assertEquals(0, (10 + headerLen) % 64);
    String header = new String(npy, 10, headerLen, java.nio.charset.StandardCharsets.US_ASCII);
    assertTrue(
        header.startsWith("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3, 4), }"),
        header);
    assertTrue(header.endsWith("\n"));
    assertEquals(10 + headerLen + 2 * 24, npy.length);
  }

  @Test
  void picksTheNarrowestUnsignedTypeAsFfnsReduceIdBits() {
    assertEquals("|u1", Npz.narrowestUnsigned(new long[] {0, 255}));
    assertEquals("<u2", Npz.narrowestUnsigned(new long[] {256}));
    assertEquals("<u4", Npz.narrowestUnsigned(new long[] {65_536}));
    assertEquals("<u8", Npz.narrowestUnsigned(new long[] {1L << 32}));
  }

  @Test
  void ffnPathsAndBoxReads(@TempDir Path dir) throws Exception {
    Box box = new Box(new Vec3(480, 96, 12), new Vec3(485, 100, 15));
    assertEquals(dir.resolve("480/96/seg-480_96_12.npz"), FfnSubvolumes.segmentationPath(dir, box));
    LabelVolume labels = new LabelVolume(5, 4, 3);
    for (int z = 0; z < 3; z++) {
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 5; x++) {
          labels.set(x, y, z, (1L << 33) + expected(z, y, x));
        }
      }
    }
    Path f = FfnSubvolumes.write(dir, box, labels);
    assertEquals(FfnSubvolumes.segmentationPath(dir, box), f);
    Npz.Header h = Npz.list(f).get("segmentation");
    assertEquals("<u8", h.descr());
    assertArrayEquals(new long[] {3, 4, 5}, h.shape(), "FFN's (z, y, x) shape");
    Box region = new Box(new Vec3(482, 97, 13), new Vec3(484, 99, 15));
    LabelVolume part = FfnSubvolumes.read(dir, box, region);
    assertEquals(2, part.sx());
    assertEquals((1L << 33) + expected(1, 1, 2), part.get(0, 0, 0));
    assertEquals((1L << 33) + expected(2, 2, 3), part.get(1, 1, 1));
    // FFN's older flat layout is read too
    Files.createDirectories(dir.resolve("legacy"));
    Files.move(f, dir.resolve("legacy/seg-480_96_12.npz"));
    assertEquals(
        (1L << 33) + expected(2, 2, 3),
        FfnSubvolumes.read(dir.resolve("legacy"), box, region).get(1, 1, 1));
    // a file of another shape than the subvolume is refused, naming the file
    Box other = new Box(new Vec3(480, 96, 12), new Vec3(486, 100, 15));
    IOException e =
        assertThrows(
            IOException.class, () -> FfnSubvolumes.read(dir.resolve("legacy"), other, region));
    assertTrue(
        e.getMessage().contains("seg-480_96_12.npz") && e.getMessage().contains("[3, 4, 5]"),
        e.getMessage());
  }

  static long[] fill(int n, long max) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = max - i * (max / n);
    }
    return v;
  }
}
