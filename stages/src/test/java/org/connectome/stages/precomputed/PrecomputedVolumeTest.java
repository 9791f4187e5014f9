package org.connectome.stages.precomputed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrecomputedVolumeTest {
  private static Box box(long x0, long x1, long y0, long y1, long z0, long z1) {
    return new Box(new Vec3(x0, y0, z0), new Vec3(x1, y1, z1));
  }

  @Test
  void writesChunksPerScaleKeyAndReadsAnyRegionBack(@TempDir Path dir) throws Exception {
    VolumeInfo info =
        VolumeInfo.of(
            VolumeInfo.IMAGE,
            DataType.UINT8,
            1,
            List.of(
                VolumeInfo.Scale.of(
                    new long[] {50, 40, 7},
                    new double[] {8, 8, 33},
                    new int[] {16, 16, 4},
                    Encoding.RAW,
                    null)));
    PrecomputedVolume v = PrecomputedVolume.create(dir.resolve("img"), info);
    ByteVolume all = new ByteVolume(50, 40, 7);
    new SplittableRandom(1).nextBytes(all.data());
    // two writers of disjoint chunk-aligned regions
    v.writeImage(0, box(0, 32, 0, 40, 0, 7), all.crop(0, 0, 0, 32, 40, 7));
    v.writeImage(0, box(32, 50, 0, 40, 0, 7), all.crop(32, 0, 0, 18, 40, 7));
    assertTrue(Files.isRegularFile(dir.resolve("img/8_8_33/48-50_32-40_4-7")));
    assertEquals(2 * 8 * 3, Files.size(dir.resolve("img/8_8_33/48-50_32-40_4-7")));
    try (Stream<Path> s = Files.list(dir.resolve("img/8_8_33"))) {
      assertEquals(4 * 3 * 2, s.count(), "chunks, and no temporary files left");
    }
    PrecomputedVolume reopened = PrecomputedVolume.open(dir.resolve("img"));
    assertEquals(info, reopened.info());
    ByteVolume part = reopened.readImage(0, box(5, 45, 3, 39, 1, 6));
    assertArrayEquals(all.crop(5, 3, 1, 40, 36, 5).data(), part.data());
    assertThrows(
        IllegalArgumentException.class,
        () -> v.writeImage(0, box(8, 24, 0, 16, 0, 4), new ByteVolume(16, 16, 4)));
    assertThrows(IllegalArgumentException.class, () -> v.readImage(0, box(0, 51, 0, 1, 0, 1)));
  }

  @Test
  void infoIsWrittenOnceForIdenticalContentAndReplacedWhenItChanges(@TempDir Path dir)
      throws Exception {
    VolumeInfo a =
        VolumeInfo.of(
            VolumeInfo.IMAGE,
            DataType.UINT8,
            1,
            List.of(
                VolumeInfo.Scale.of(
                    new long[] {5, 5, 5},
                    new double[] {1, 1, 1},
                    new int[] {5, 5, 5},
                    Encoding.RAW,
                    null)));
    Path info = dir.resolve("v/info");
    assertTrue(AtomicFiles.writeIfChanged(info, a.toJson()));
    var t = Files.getLastModifiedTime(info);
    PrecomputedVolume.create(dir.resolve("v"), a);
    assertFalse(AtomicFiles.writeIfChanged(info, a.toJson()));
    assertEquals(t, Files.getLastModifiedTime(info));
    VolumeInfo b =
        VolumeInfo.of(
            VolumeInfo.IMAGE,
            DataType.UINT8,
            1,
            List.of(
                VolumeInfo.Scale.of(
                    new long[] {5, 5, 5},
                    new double[] {2, 2, 2},
                    new int[] {5, 5, 5},
                    Encoding.RAW,
                    null)));
    PrecomputedVolume.create(dir.resolve("v"), b);
    assertEquals(b, PrecomputedVolume.open(dir.resolve("v")).info());
    try (Stream<Path> s = Files.list(dir.resolve("v"))) {
      assertEquals(List.of("info"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void labelsRoundTripThroughCompressedSegmentationAndJpegImagesDecode(@TempDir Path dir)
      throws Exception {
    VolumeInfo seg =
        VolumeInfo.of(
            VolumeInfo.SEGMENTATION,
            DataType.UINT64,
            1,
            List.of(
                VolumeInfo.Scale.of(
                    new long[] {40, 30, 9},
                    new double[] {8, 8, 33},
                    new int[] {32, 32, 8},
                    Encoding.COMPRESSED_SEGMENTATION,
                    new int[] {8, 8, 8})));
    PrecomputedVolume v = PrecomputedVolume.create(dir.resolve("seg"), seg);
    LabelVolume labels = new LabelVolume(40, 30, 9);
    for (int i = 0; i < labels.data().length; i++) {
      labels.data()[i] = (i / 7) % 5 + (1L << 50);
    }
    v.writeLabels(0, box(0, 40, 0, 30, 0, 9), labels);
    assertArrayEquals(labels.data(), v.readLabels(0, box(0, 40, 0, 30, 0, 9)).data());
    assertThrows(IllegalArgumentException.class, () -> v.encode(0, new ByteVolume(1, 1, 1)));

    VolumeInfo img =
        VolumeInfo.of(
            VolumeInfo.IMAGE,
            DataType.UINT8,
            1,
            List.of(
                VolumeInfo.Scale.of(
                    new long[] {40, 30, 9},
                    new double[] {8, 8, 33},
                    new int[] {32, 32, 8},
                    Encoding.JPEG,
                    null)));
    PrecomputedVolume j = PrecomputedVolume.create(dir.resolve("img"), img).withJpegQuality(95);
    ByteVolume flat = new ByteVolume(40, 30, 9);
    java.util.Arrays.fill(flat.data(), (byte) 200);
    j.writeImage(0, box(0, 40, 0, 30, 0, 9), flat);
    ByteVolume back = j.readImage(0, box(0, 40, 0, 30, 0, 9));
    for (byte b : back.data()) {
      assertTrue(Math.abs((b & 0xff) - 200) <= 1);
    }
    Files.delete(dir.resolve("img/8_8_33/32-40_0-30_8-9"));
    assertThrows(NoSuchFileException.class, () -> j.readImage(0, box(0, 40, 0, 30, 0, 9)));
  }
}
