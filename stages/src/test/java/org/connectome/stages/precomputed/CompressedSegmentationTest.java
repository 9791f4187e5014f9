package org.connectome.stages.precomputed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.connectome.stages.viewer.ViewerEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompressedSegmentationTest {
  private static final int[] B8 = {8, 8, 8};

  private static int[] words(byte[] b) {
    int[] w = new int[b.length / 4];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(w);
    return w;
  }

  private static LabelVolume random(
      SplittableRandom r, int sx, int sy, int sz, int channels, int distinct, boolean big) {
    long[] d = new long[sx * sy * sz * channels];
    for (int i = 0; i < d.length; i++) {
      long v = r.nextInt(distinct) + 1;
      d[i] = big ? v * 0x1_0000_0001L + (v << 60) : v;
    }
    return new LabelVolume(sx, sy, sz, channels, d);
  }

  private static void roundTrip(LabelVolume v, int[] block, DataType t) {
    byte[] enc = CompressedSegmentation.encode(v, block, t);
    LabelVolume back =
        CompressedSegmentation.decode(enc, v.sx(), v.sy(), v.sz(), v.channels(), block, t);
    assertArrayEquals(
        v.data(),
        back.data(),
        () -> "round trip of " + v.sx() + "x" + v.sy() + "x" + v.sz() + " " + t);
  }

  @Test
  void matchesNeuroglancersEncoderOnAKnownExample() {
    // Neuroglancer 2.41's encodeChannels([2,2,1] blocks) on [1,2,3,1, 5,5,5,5] (2x2x2, uint64)
    // gives these words
    LabelVolume v = new LabelVolume(2, 2, 2, 1, new long[] {1, 2, 3, 1, 5, 5, 5, 5});
    byte[] enc = CompressedSegmentation.encode(v, new int[] {2, 2, 1}, DataType.UINT64);
    assertArrayEquals(
        new int[] {1, 2 << 24 | 5, 4, 11, 11, 0b100100, 1, 0, 2, 0, 3, 0, 5, 0}, words(enc));
  }

  @Test
  void singleValueBlocksUseZeroBitsAndShareTheirTable() {
    LabelVolume v = new LabelVolume(16, 8, 8, 1, new long[16 * 8 * 8]);
    java.util.Arrays.fill(v.data(), 42);
    int[] w = words(CompressedSegmentation.encode(v, B8, DataType.UINT32));
    // channel offset, 2 headers of 2 words, one table entry shared by both blocks
    assertEquals(6, w.length);
    assertEquals(1, w[0]);
    assertEquals(4, w[1]);
    assertEquals(4, w[2]);
    assertEquals(4, w[3]);
    assertEquals(5, w[4]);
    assertEquals(42, w[5]);
    roundTrip(v, B8, DataType.UINT32);
  }

  @Test
  void usesEveryBitWidth() {
    SplittableRandom r = new SplittableRandom(1);
    int[] expected = {0, 1, 2, 4, 8, 16, 32};
    int[] distinct = {1, 2, 4, 16, 256, 65536, 65537};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], CompressedSegmentation.bitsFor(distinct[i]));
    }
    assertEquals(2, CompressedSegmentation.bitsFor(3));
    assertEquals(4, CompressedSegmentation.bitsFor(5));
    // all distinct in a block of 64x64x17 = 69,632 voxels: 32 bits
    long[] d = new long[64 * 64 * 17];
    for (int i = 0; i < d.length; i++) {
      d[i] = 1_000_000L * i + 7;
    }
    LabelVolume all = new LabelVolume(64, 64, 17, 1, d);
    int[] w = words(CompressedSegmentation.encode(all, new int[] {64, 64, 17}, DataType.UINT64));
    assertEquals(32, w[1] >>> 24);
    roundTrip(all, new int[] {64, 64, 17}, DataType.UINT64);
    for (int n : new int[] {2, 3, 4, 9, 200, 300}) {
      roundTrip(random(r, 16, 16, 8, 1, n, false), B8, DataType.UINT32);
    }
  }

  @Test
  void roundTripsRandomVolumesWithPartialEdgeBlocks() {
    SplittableRandom r = new SplittableRandom(7);
    int[][] sizes = {{13, 7, 5}, {1, 1, 1}, {64, 64, 16}, {65, 33, 17}, {9, 8, 8}};
    int[][] blocks = {{8, 8, 8}, {4, 4, 4}, {8, 8, 2}, {3, 5, 7}};
    for (int[] s : sizes) {
      for (int[] b : blocks) {
        for (boolean big : new boolean[] {false, true}) {
          LabelVolume v = random(r, s[0], s[1], s[2], 1, 1 + r.nextInt(12), big);
          roundTrip(v, b, big ? DataType.UINT64 : DataType.UINT32);
          if (!big) {
            roundTrip(v, b, DataType.UINT64);
          }
        }
      }
    }
  }

  @Test
  void encodesChannelsSeparately() {
    LabelVolume v = random(new SplittableRandom(3), 10, 9, 3, 3, 5, true);
    byte[] enc = CompressedSegmentation.encode(v, B8, DataType.UINT64);
    int[] w = words(enc);
    assertEquals(3, w[0]);
    assertTrue(w[1] > w[0] && w[2] > w[1]);
    roundTrip(v, B8, DataType.UINT64);
  }

  @Test
  void unsignedOrderInLookupTables() {
    long[] d = {-1L, 1, Long.MIN_VALUE, 0};
    LabelVolume v = new LabelVolume(4, 1, 1, 1, d);
    int[] w = words(CompressedSegmentation.encode(v, new int[] {4, 1, 1}, DataType.UINT64));
    // table after one packed word: 0, 1, 2^63, 2^64-1 (low word, high word)
    int t = 1 + (w[1] & 0xffffff);
    assertArrayEquals(
        new int[] {0, 0, 1, 0, 0, 0x80000000, -1, -1}, java.util.Arrays.copyOfRange(w, t, t + 8));
    roundTrip(v, new int[] {4, 1, 1}, DataType.UINT64);
  }

  @Test
  void rejectsCorruptChunks() {
    LabelVolume v = random(new SplittableRandom(5), 8, 8, 8, 1, 6, false);
    byte[] enc = CompressedSegmentation.encode(v, B8, DataType.UINT32);
    byte[] badBits = enc.clone();
    badBits[7] = 3;
    assertThrows(
        IllegalArgumentException.class,
        () -> CompressedSegmentation.decode(badBits, 8, 8, 8, 1, B8, DataType.UINT32));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            CompressedSegmentation.decode(
                java.util.Arrays.copyOf(enc, 12), 8, 8, 8, 1, B8, DataType.UINT32));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            CompressedSegmentation.encode(
                new LabelVolume(1, 1, 1, 1, new long[] {1L << 40}), B8, DataType.UINT32));
  }

  /**
   * Byte-for-byte against Neuroglancer's own encoder (the npm package), when viewer/node_modules is
   * installed.
   */
  @Test
  void identicalToNeuroglancersEncoder(@TempDir Path dir) throws Exception {
    Path viewer = ViewerEnvironment.requireNodeModules();
    SplittableRandom r = new SplittableRandom(11);
    record Case(LabelVolume v, int[] block, DataType type) {}
    List<Case> cases = new ArrayList<>();
    cases.add(new Case(random(r, 13, 7, 5, 1, 3, false), B8, DataType.UINT32));
    cases.add(new Case(random(r, 64, 64, 16, 1, 40, true), B8, DataType.UINT64));
    cases.add(new Case(random(r, 30, 20, 9, 2, 300, true), new int[] {4, 4, 4}, DataType.UINT64));
    cases.add(new Case(random(r, 17, 17, 3, 1, 2, false), new int[] {16, 16, 1}, DataType.UINT32));
    LabelVolume blocky = new LabelVolume(40, 40, 8);
    for (int z = 0; z < 8; z++) {
      for (int y = 0; y < 40; y++) {
        for (int x = 0; x < 40; x++) {
          blocky.set(x, y, z, (x / 10 + 4L * (y / 13)) * 1_000_003L);
        }
      }
    }
    cases.add(new Case(blocky, B8, DataType.UINT64));
    int i = 0;
    for (Case c : cases) {
      Path in = dir.resolve("in" + i + ".raw");
      Path out = dir.resolve("out" + i + ".bin");
      Files.write(in, RawCodec.encode(c.v(), c.type()));
      Process p =
          new ProcessBuilder(
                  ViewerEnvironment.node(),
                  "tools/cs-encode.mjs",
                  c.type().json(),
                  "" + c.v().sx(),
                  "" + c.v().sy(),
                  "" + c.v().sz(),
                  "" + c.v().channels(),
                  "" + c.block()[0],
                  "" + c.block()[1],
                  "" + c.block()[2],
                  in.toString(),
                  out.toString())
              .directory(viewer.toFile())
              .redirectErrorStream(true)
              .start();
      String log = new String(p.getInputStream().readAllBytes());
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), log);
      assertArrayEquals(
          Files.readAllBytes(out),
          CompressedSegmentation.encode(c.v(), c.block(), c.type()),
          "case " + i);
      i++;
    }
  }
}
