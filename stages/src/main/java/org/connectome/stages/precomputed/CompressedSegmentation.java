package org.connectome.stages.precomputed;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Neuroglancer's {@code compressed_segmentation} chunk encoding, for uint32 and uint64 labels.
 *
 * <p>A chunk is a sequence of little-endian 32-bit words. It starts with one word per channel: the
 * offset of the channel's data, in words from the start of the chunk. A channel's data is cut into
 * blocks of {@code blockSize} (the chunk padded up to whole blocks); it starts with two header
 * words per block, blocks in x-fastest order:
 *
 * <ol>
 *   <li>{@code lookupTableOffset | encodedBits << 24}: where the block's lookup table starts (24
 *       bits) and the bits per encoded value (0, 1, 2, 4, 8, 16 or 32);
 *   <li>{@code encodedValuesOffset}: where its packed values start;
 * </ol>
 *
 * both offsets in words from the start of the channel's data. The lookup table lists the block's
 * distinct values in ascending (unsigned) order, one word each for uint32, low word then high word
 * for uint64. The packed values are table indices of {@code encodedBits} each, for every position
 * of the full block in x-fastest order, value {@code i} at bit {@code (i * bits) % 32} of word
 * {@code (i * bits) / 32}; positions of a partial block outside the chunk carry index 0 (the
 * block's smallest value). With one distinct value a block has 0 bits and no packed words.
 *
 * <p>The layout and its choices (values then table per block, a lookup table shared by later blocks
 * with the same distinct values, per channel) are those of Neuroglancer's own encoder, so this
 * encoder's output is identical to it (a test checks this against the npm package when it is
 * installed).
 */
public final class CompressedSegmentation {
  private static final int[] ALLOWED_BITS = {0, 1, 2, 4, 8, 16, 32};

  private CompressedSegmentation() {}

  /** Encodes {@code v} with compression blocks of {@code blockSize} as uint32 or uint64. */
  public static byte[] encode(LabelVolume v, int[] blockSize, DataType type) {
    int words = RawCodec.width(type) / 4;
    checkBlockSize(blockSize);
    if (type == DataType.UINT32) {
      for (long x : v.data()) {
        if ((x >>> 32) != 0) {
          throw new IllegalArgumentException(
              "label " + Long.toUnsignedString(x) + " does not fit uint32");
        }
      }
    }
    IntBuilder out = new IntBuilder(Math.max(64, v.data().length / 8));
    int channels = v.channels();
    out.resize(channels);
    for (int c = 0; c < channels; c++) {
      out.set(c, out.size());
      encodeChannel(v, c, blockSize, words, out);
    }
    ByteBuffer b = ByteBuffer.allocate(out.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(out.array(), 0, out.size());
    return b.array();
  }

  private static void encodeChannel(LabelVolume v, int c, int[] bs, int words, IntBuilder out) {
    int sx = v.sx();
    int sy = v.sy();
    int sz = v.sz();
    int gx = ceil(sx, bs[0]);
    int gy = ceil(sy, bs[1]);
    int gz = ceil(sz, bs[2]);
    int base = out.size();
    out.resize(base + 2 * gx * gy * gz);
    Map<TableKey, Integer> tables = new HashMap<>();
    int blockElements = bs[0] * bs[1] * bs[2];
    long[] values = new long[blockElements];
    int[] indices = new int[blockElements];
    long[] few = new long[FEW];
    long[] d = v.data();
    int header = base;
    for (int bz = 0; bz < gz; bz++) {
      int az = Math.min(bs[2], sz - bz * bs[2]);
      for (int by = 0; by < gy; by++) {
        int ay = Math.min(bs[1], sy - by * bs[1]);
        for (int bx = 0; bx < gx; bx++) {
          int ax = Math.min(bs[0], sx - bx * bs[0]);
          // gather the block's voxels (partial blocks: only the part inside the chunk)
          int n = 0;
          for (int z = 0; z < az; z++) {
            for (int y = 0; y < ay; y++) {
              int src = v.index(bx * bs[0], by * bs[1] + y, bz * bs[2] + z, c);
              System.arraycopy(d, src, values, n, ax);
              n += ax;
            }
          }
          long[] table = distinctSorted(values, n, few);
          int unique = table.length;
          int bits = bitsFor(unique);
          int packedWords = (int) (((long) bits * blockElements + 31) / 32);
          int valuesOffset = out.size() - base;
          int tableOffset;
          TableKey key = new TableKey(table);
          Integer shared = tables.get(key);
          boolean writeTable = shared == null;
          if (writeTable) {
            tableOffset = valuesOffset + packedWords;
            tables.put(key, tableOffset);
          } else {
            tableOffset = shared;
          }
          if (tableOffset >= 1 << 24) {
            throw new IllegalArgumentException(
                "compressed segmentation chunk too large: lookup table offset "
                    + tableOffset
                    + " does not fit 24 bits (use smaller chunks)");
          }
          int at = out.size();
          out.resize(at + packedWords + (writeTable ? unique * words : 0));
          if (bits > 0) {
            Arrays.fill(indices, 0);
            int i = 0;
            // neighbouring voxels mostly share their label: search only when it changes
            long last = values[0];
            int lastIndex = unsignedSearch(table, unique, last);
            for (int z = 0; z < az; z++) {
              for (int y = 0; y < ay; y++) {
                int row = bs[0] * (y + bs[1] * z);
                for (int x = 0; x < ax; x++) {
                  long value = values[i++];
                  if (value != last) {
                    last = value;
                    lastIndex = unsignedSearch(table, unique, value);
                  }
                  indices[row + x] = lastIndex;
                }
              }
            }
            int[] a = out.array();
            for (int e = 0; e < blockElements; e++) {
              long bit = (long) e * bits;
              a[at + (int) (bit >>> 5)] |= indices[e] << (int) (bit & 31);
            }
          }
          if (writeTable) {
            int t = at + packedWords;
            int[] a = out.array();
            for (int k = 0; k < unique; k++) {
              a[t++] = (int) table[k];
              if (words == 2) {
                a[t++] = (int) (table[k] >>> 32);
              }
            }
          }
          out.set(header++, tableOffset | bits << 24);
          out.set(header++, valuesOffset);
        }
      }
    }
  }

  /**
   * Decodes a chunk of {@code sx x sy x sz x channels} voxels; fails on data that does not fit the
   * format.
   */
  public static LabelVolume decode(
      byte[] chunk, int sx, int sy, int sz, int channels, int[] blockSize, DataType type) {
    int words = RawCodec.width(type) / 4;
    checkBlockSize(blockSize);
    if (chunk.length % 4 != 0) {
      throw new IllegalArgumentException(
          "compressed segmentation chunk of " + chunk.length + " bytes is not whole 32-bit words");
    }
    int[] w = new int[chunk.length / 4];
    ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(w);
    if (w.length < channels) {
      throw new IllegalArgumentException(
          "compressed segmentation chunk too short for " + channels + " channels");
    }
    LabelVolume out =
        new LabelVolume(sx, sy, sz, channels, new long[Math.multiplyExact(sx * sy * sz, channels)]);
    int[] bs = blockSize;
    int gx = ceil(sx, bs[0]);
    int gy = ceil(sy, bs[1]);
    int gz = ceil(sz, bs[2]);
    // block by block: a block's header is read and checked once, not once per voxel (the pyramid's
    // first step spent most of its time here, building the check messages of every voxel)
    for (int c = 0; c < channels; c++) {
      int base = w[c];
      if (!(base >= channels && (long) base + 2L * gx * gy * gz <= w.length)) {
        throw corrupt("channel offset " + base);
      }
      for (int bz = 0; bz < gz; bz++) {
        for (int by = 0; by < gy; by++) {
          for (int bx = 0; bx < gx; bx++) {
            int block = bx + gx * (by + gy * bz);
            decodeBlock(w, base, block, bx, by, bz, bs, words, out, c);
          }
        }
      }
    }
    return out;
  }

  /** Decodes one block's voxels of channel {@code c} (those inside the chunk) into {@code out}. */
  private static void decodeBlock(
      int[] w,
      int base,
      int block,
      int bx,
      int by,
      int bz,
      int[] bs,
      int words,
      LabelVolume out,
      int c) {
    int h0 = w[base + 2 * block];
    int valuesOffset = w[base + 2 * block + 1];
    long table = (long) base + (h0 & 0xffffff);
    int bits = h0 >>> 24;
    if (Arrays.binarySearch(ALLOWED_BITS, bits) < 0) {
      throw corrupt("block " + block + " has " + bits + " bits");
    }
    int x0 = bx * bs[0];
    int y0 = by * bs[1];
    int z0 = bz * bs[2];
    int x1 = Math.min(out.sx(), x0 + bs[0]);
    int y1 = Math.min(out.sy(), y0 + bs[1]);
    int z1 = Math.min(out.sz(), z0 + bs[2]);
    long values = (long) base + Integer.toUnsignedLong(valuesOffset);
    long[] d = out.data();
    if (bits == 0) {
      // one value for the whole block: its table's only entry
      if (!(table + words <= w.length)) {
        throw corrupt("lookup table entry of block " + block + " outside the chunk");
      }
      long value = entry(w, (int) table, words);
      for (int z = z0; z < z1; z++) {
        for (int y = y0; y < y1; y++) {
          int o = out.index(x0, y, z, c);
          Arrays.fill(d, o, o + (x1 - x0), value);
        }
      }
      return;
    }
    // the packed value of the block's last voxel inside the chunk is the furthest one read
    long last = (x1 - 1 - x0) + (long) bs[0] * ((y1 - 1 - y0) + (long) bs[1] * (z1 - 1 - z0));
    if (!(values + ((bits * last) >>> 5) < w.length)) {
      throw corrupt("packed values of block " + block + " outside the chunk");
    }
    // the values' first word lies inside w (an int); bit offsets stay longs (a large block of 32
    // bits per value goes past 2^31 bits)
    int v0 = (int) values;
    long mask = bits == 32 ? 0xffffffffL : (1L << bits) - 1;
    long rowBits = (long) bits * bs[0];
    long planeBits = rowBits * bs[1];
    if (bits <= 8) {
      // a table of at most 256 values, read once: each voxel is then one array load (an index
      // past the entries the chunk holds is the same corrupt chunk as below)
      int entries = (int) Math.max(0, Math.min(1L << bits, (w.length - table) / words));
      long[] lookup = new long[entries];
      for (int i = 0; i < entries; i++) {
        lookup[i] = entry(w, (int) (table + (long) i * words), words);
      }
      int imask = (int) mask;
      for (int z = z0; z < z1; z++) {
        for (int y = y0; y < y1; y++) {
          int o = out.index(x0, y, z, c);
          long bit = (z - z0) * planeBits + (y - y0) * rowBits;
          for (int x = x0; x < x1; x++, o++, bit += bits) {
            int index = (w[v0 + (int) (bit >>> 5)] >>> (int) (bit & 31)) & imask;
            if (index >= entries) {
              throw corrupt("lookup table entry of block " + block + " outside the chunk");
            }
            d[o] = lookup[index];
          }
        }
      }
      return;
    }
    for (int z = z0; z < z1; z++) {
      for (int y = y0; y < y1; y++) {
        int o = out.index(x0, y, z, c);
        long bit = (z - z0) * planeBits + (y - y0) * rowBits;
        for (int x = x0; x < x1; x++, o++, bit += bits) {
          long index = (w[v0 + (int) (bit >>> 5)] >>> (int) (bit & 31)) & mask;
          long entry = table + index * words;
          if (entry + words > w.length) {
            throw corrupt("lookup table entry of block " + block + " outside the chunk");
          }
          d[o] = entry(w, (int) entry, words);
        }
      }
    }
  }

  /** The lookup table's value at word {@code at}: one word, or two (low word first). */
  private static long entry(int[] w, int at, int words) {
    long value = Integer.toUnsignedLong(w[at]);
    return words == 2 ? value | Integer.toUnsignedLong(w[at + 1]) << 32 : value;
  }

  /**
   * Bits per value for a block with {@code unique} distinct values: 0 for one, else 1, 2, 4, 8, 16
   * or 32.
   */
  static int bitsFor(int unique) {
    if (unique <= 1) {
      return 0;
    }
    int bits = 1;
    while ((1L << bits) < unique) {
      bits *= 2;
    }
    return bits;
  }

  private static void checkBlockSize(int[] bs) {
    if (bs == null || bs.length != 3 || bs[0] < 1 || bs[1] < 1 || bs[2] < 1) {
      throw new IllegalArgumentException(
          "compressed segmentation block size must be three positive integers");
    }
  }

  /** The error of a chunk that does not fit the format (built only when one is found). */
  private static IllegalArgumentException corrupt(String what) {
    return new IllegalArgumentException("corrupt compressed segmentation chunk: " + what);
  }

  private static int unsignedSearch(long[] table, int n, long v) {
    int lo = 0;
    int hi = n - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int cmp = Long.compareUnsigned(table[mid], v);
      if (cmp < 0) {
        lo = mid + 1;
      } else if (cmp > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    throw new IllegalStateException("value not in table");
  }

  /** Distinct values a block gathers in a scan before it sorts all of its values instead. */
  private static final int FEW = 16;

  /**
   * The sorted (unsigned) distinct values of {@code values[0..n)}, n > 0. A block holds few labels:
   * they are gathered in one scan (skipping runs of one label) into {@code few}, and only a block
   * with more than {@link #FEW} sorts all its values, as the kernel benchmark's profile showed the
   * sort of every block's 512 values at the top.
   */
  private static long[] distinctSorted(long[] values, int n, long[] few) {
    int k = 0;
    long last = values[0];
    few[k++] = last;
    for (int i = 1; i < n; i++) {
      long v = values[i];
      if (v == last) {
        continue;
      }
      last = v;
      boolean seen = false;
      for (int j = 0; j < k; j++) {
        if (few[j] == v) {
          seen = true;
          break;
        }
      }
      if (!seen) {
        if (k == FEW) {
          long[] table = Arrays.copyOf(values, n);
          sortUnsigned(table);
          return Arrays.copyOf(table, dedup(table));
        }
        few[k++] = v;
      }
    }
    long[] table = Arrays.copyOf(few, k);
    sortUnsigned(table);
    return table;
  }

  /** Sorts as unsigned: flip the sign bit, sort signed, flip back. */
  private static void sortUnsigned(long[] a) {
    for (int i = 0; i < a.length; i++) {
      a[i] ^= Long.MIN_VALUE;
    }
    Arrays.sort(a);
    for (int i = 0; i < a.length; i++) {
      a[i] ^= Long.MIN_VALUE;
    }
  }

  private static int dedup(long[] sorted) {
    if (sorted.length == 0) {
      return 0;
    }
    int n = 1;
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] != sorted[n - 1]) {
        sorted[n++] = sorted[i];
      }
    }
    return n;
  }

  private static int ceil(int a, int b) {
    return (a + b - 1) / b;
  }

  private record TableKey(long[] values) {
    @Override
    public boolean equals(Object o) {
      return o instanceof TableKey k && Arrays.equals(values, k.values);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(values);
    }
  }

  /** A growable int array whose new words are zero. */
  private static final class IntBuilder {
    private int[] a;
    private int size;

    IntBuilder(int capacity) {
      a = new int[capacity];
    }

    int size() {
      return size;
    }

    int[] array() {
      return a;
    }

    void set(int i, int v) {
      a[i] = v;
    }

    void resize(int n) {
      if (n > a.length) {
        a = Arrays.copyOf(a, Math.max(n, a.length + (a.length >> 1)));
      }
      size = n;
    }
  }
}
