package org.connectome.stages.segment;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.connectome.stages.precomputed.AtomicFiles;

/**
 * NumPy's {@code .npz} archives ({@code np.savez}, {@code np.savez_compressed}: a zip of {@code
 * .npy} files, stored or deflated) holding integer arrays, as google/ffn writes a subvolume's
 * segmentation.
 *
 * <p>Reading understands {@code .npy} format versions 1 to 3, integer and boolean dtypes of either
 * byte order ({@code |u1 <u2 <u4 <u8 |i1 <i2 <i4 <i8 |b1}, and {@code >} variants), C and Fortran
 * order. Arrays of other dtypes (FFN's pickled {@code origins} dictionary, strings, floats) are
 * listed with their header and never decoded: asking for their values is an error naming the array.
 * Writing produces format 1.0 with the header padded to 64 bytes, little-endian, C order, as {@code
 * np.save} does.
 */
public final class Npz {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npz() {}

  /**
   * The header of one {@code .npy} array.
   *
   * @param descr NumPy's type string, for example {@code <u8}
   * @param fortranOrder whether the first axis varies fastest
   * @param shape the shape, outermost axis first as NumPy writes it
   */
  public record Header(String descr, boolean fortranOrder, long[] shape) {
    /** Whether the values are integers (or booleans) this class decodes. */
    public boolean isInteger() {
      return descr.length() >= 3
          && "<>|=".indexOf(descr.charAt(0)) >= 0
          && "uib".indexOf(descr.charAt(1)) >= 0
          && width() > 0;
    }

    /**
     * Bytes per value, or 0 when the dtype is not a plain number (objects, strings, structures).
     */
    public int width() {
      if (descr.length() < 3
          || "<>|=".indexOf(descr.charAt(0)) < 0
          || "uifb".indexOf(descr.charAt(1)) < 0) {
        return 0;
      }
      try {
        int w = Integer.parseInt(descr.substring(2));
        return w == 1 || w == 2 || w == 4 || w == 8 ? w : 0;
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    public boolean unsigned() {
      return descr.charAt(1) == 'u' || descr.charAt(1) == 'b';
    }

    public ByteOrder order() {
      return descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    public long count() {
      long n = 1;
      for (long s : shape) {
        n = Math.multiplyExact(n, s);
      }
      return n;
    }

    /** The header dictionary as {@code np.save} writes it. */
    String dictionary() {
      StringBuilder b =
          new StringBuilder("{'descr': '")
              .append(descr)
              .append("', 'fortran_order': ")
              .append(fortranOrder ? "True" : "False")
              .append(", 'shape': (");
      for (int i = 0; i < shape.length; i++) {
        b.append(shape[i]);
        if (i < shape.length - 1 || shape.length == 1) {
          b.append(shape.length == 1 ? "," : ", ");
        }
      }
      return b.append("), }").toString();
    }

    @Override
    public String toString() {
      return descr + " " + Arrays.toString(shape) + (fortranOrder ? " fortran" : "");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Header h
          && descr.equals(h.descr)
          && fortranOrder == h.fortranOrder
          && Arrays.equals(shape, h.shape);
    }

    @Override
    public int hashCode() {
      return descr.hashCode() * 31 + Arrays.hashCode(shape);
    }
  }

  /**
   * An integer array: values widened to {@code long} (uint64 values above 2^63 wrap to negative, as
   * Java's unsigned convention has it), in C order (last axis fastest) whatever the file's order.
   *
   * @param descr the dtype it was read from or is to be written as
   * @param shape outermost axis first
   * @param values the values, C order
   */
  public record Array(String descr, long[] shape, long[] values) {
    public Array {
      long n = 1;
      for (long s : shape) {
        n *= s;
      }
      if (n != values.length) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " needs " + n + " values, not " + values.length);
      }
    }
  }

  /** The arrays of an archive, in archive order, with their headers (no values read). */
  public static Map<String, Header> list(Path npz) throws IOException {
    Map<String, Header> out = new LinkedHashMap<>();
    try (ZipFile zip = open(npz)) {
      Enumeration<? extends ZipEntry> e = zip.entries();
      while (e.hasMoreElements()) {
        ZipEntry entry = e.nextElement();
        if (entry.isDirectory()) {
          continue;
        }
        try (DataInputStream in =
            new DataInputStream(new BufferedInputStream(zip.getInputStream(entry)))) {
          out.put(arrayName(entry.getName()), header(in, npz, entry.getName()));
        }
      }
    }
    return out;
  }

  /** Reads the integer array {@code name} (without the {@code .npy} suffix) whole. */
  public static Array read(Path npz, String name) throws IOException {
    try (ZipFile zip = open(npz)) {
      ZipEntry entry = entry(zip, npz, name);
      try (DataInputStream in =
          new DataInputStream(new BufferedInputStream(zip.getInputStream(entry), 1 << 16))) {
        Header h = header(in, npz, entry.getName());
        requireInteger(h, npz, name);
        long n = h.count();
        if (n > Integer.MAX_VALUE - 8) {
          throw new IOException(
              npz + ": array '" + name + "' of " + h + " is too large to read whole");
        }
        long[] v = new long[(int) n];
        ValueReader r = new ValueReader(in, h);
        if (!h.fortranOrder() || h.shape().length < 2) {
          for (int i = 0; i < v.length; i++) {
            v[i] = r.next();
          }
        } else {
          // Fortran order: the first axis varies fastest; place each value at its C-order index
          long[] s = h.shape();
          int[] idx = new int[s.length];
          long[] stride = new long[s.length];
          stride[s.length - 1] = 1;
          for (int k = s.length - 2; k >= 0; k--) {
            stride[k] = stride[k + 1] * s[k + 1];
          }
          for (int i = 0; i < v.length; i++) {
            long at = 0;
            for (int k = 0; k < s.length; k++) {
              at += idx[k] * stride[k];
            }
            v[(int) at] = r.next();
            for (int k = 0; k < s.length; k++) {
              if (++idx[k] < s[k]) {
                break;
              }
              idx[k] = 0;
            }
          }
        }
        return new Array(h.descr(), h.shape(), v);
      }
    }
  }

  /**
   * Reads the part {@code [z0, z0+nz) x [y0, y0+ny) x [x0, x0+nx)} of the 3D integer array {@code
   * name} (axes z, y, x as FFN writes them, C order), streaming through the rest: a neighbour's
   * overlap region or a block's share of a subvolume without holding the whole subvolume.
   *
   * @return the values, x fastest then y then z ({@code nx * ny * nz})
   */
  public static long[] readBox(
      Path npz, String name, long[] expectedShape, int z0, int y0, int x0, int nz, int ny, int nx)
      throws IOException {
    try (ZipFile zip = open(npz)) {
      ZipEntry entry = entry(zip, npz, name);
      try (DataInputStream in =
          new DataInputStream(new BufferedInputStream(zip.getInputStream(entry), 1 << 16))) {
        Header h = header(in, npz, entry.getName());
        requireInteger(h, npz, name);
        if (expectedShape != null && !Arrays.equals(h.shape(), expectedShape)) {
          throw new IOException(
              npz
                  + ": array '"
                  + name
                  + "' has shape "
                  + Arrays.toString(h.shape())
                  + ", expected "
                  + Arrays.toString(expectedShape)
                  + " (z, y, x)");
        }
        if (h.shape().length != 3) {
          throw new IOException(
              npz
                  + ": array '"
                  + name
                  + "' has "
                  + h.shape().length
                  + " axes, expected 3 (z, y, x)");
        }
        long sz = h.shape()[0];
        long sy = h.shape()[1];
        long sx = h.shape()[2];
        if (z0 < 0 || y0 < 0 || x0 < 0 || z0 + nz > sz || y0 + ny > sy || x0 + nx > sx) {
          throw new IllegalArgumentException("box outside the array " + Arrays.toString(h.shape()));
        }
        long[] out = new long[Math.multiplyExact(Math.multiplyExact(nx, ny), nz)];
        if (h.fortranOrder()) {
          Array all = read(npz, name);
          for (int z = 0; z < nz; z++) {
            for (int y = 0; y < ny; y++) {
              for (int x = 0; x < nx; x++) {
                out[x + nx * (y + ny * z)] =
                    all.values()[(int) (((z0 + z) * sy + y0 + y) * sx + x0 + x)];
              }
            }
          }
          return out;
        }
        ValueReader r = new ValueReader(in, h);
        r.skipValues(z0 * sy * sx);
        for (int z = 0; z < nz; z++) {
          r.skipValues(y0 * sx);
          for (int y = 0; y < ny; y++) {
            r.skipValues(x0);
            int at = nx * (y + ny * z);
            for (int x = 0; x < nx; x++) {
              out[at + x] = r.next();
            }
            r.skipValues(sx - x0 - nx);
          }
          r.skipValues((sy - y0 - ny) * sx);
        }
        return out;
      }
    }
  }

  /**
   * Writes an archive atomically (temporary file, then rename), deflated like {@code
   * np.savez_compressed} or stored like {@code np.savez}.
   */
  public static void write(Path npz, Map<String, Array> arrays, boolean compressed)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.setLevel(compressed ? 6 : 0);
      for (Map.Entry<String, Array> e : arrays.entrySet()) {
        byte[] npy = npy(e.getValue());
        ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
        if (compressed) {
          entry.setMethod(ZipEntry.DEFLATED);
        } else {
          java.util.zip.CRC32 crc = new java.util.zip.CRC32();
          crc.update(npy);
          entry.setMethod(ZipEntry.STORED);
          entry.setSize(npy.length);
          entry.setCompressedSize(npy.length);
          entry.setCrc(crc.getValue());
        }
        // a fixed time: the same arrays give the same bytes
        entry.setTime(315532800000L);
        zip.putNextEntry(entry);
        zip.write(npy);
        zip.closeEntry();
      }
    }
    AtomicFiles.write(npz, bytes.toByteArray());
  }

  /** One array as a {@code .npy} file (format 1.0). */
  public static byte[] npy(Array a) {
    Header h = new Header(a.descr(), false, a.shape());
    int w = h.width();
    if (!h.isInteger()) {
      throw new IllegalArgumentException("can write integer arrays only, not " + a.descr());
    }
    String dict = h.dictionary();
    int total = MAGIC.length + 2 + 2 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer b =
        ByteBuffer.allocate(MAGIC.length + 4 + header.length() + w * a.values().length)
            .order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC)
        .put((byte) 1)
        .put((byte) 0)
        .putShort((short) header.length())
        .put(header.getBytes(StandardCharsets.US_ASCII));
    ByteOrder order = h.order();
    b.order(order);
    for (long v : a.values()) {
      switch (w) {
        case 1 -> b.put((byte) v);
        case 2 -> b.putShort((short) v);
        case 4 -> b.putInt((int) v);
        default -> b.putLong(v);
      }
    }
    return b.array();
  }

  /**
   * The narrowest unsigned dtype that holds every value, as FFN's {@code reduce_id_bits} chooses
   * ({@code |u1}, {@code <u2}, {@code <u4}, else {@code <u8}); values must not be negative.
   */
  public static String narrowestUnsigned(long[] values) {
    long max = 0;
    for (long v : values) {
      if (v < 0) {
        return "<u8";
      }
      max = Math.max(max, v);
    }
    if (max <= 0xffL) {
      return "|u1";
    }
    if (max <= 0xffffL) {
      return "<u2";
    }
    return max <= 0xffffffffL ? "<u4" : "<u8";
  }

  // ---- reading

  private static ZipFile open(Path npz) throws IOException {
    if (!Files.isRegularFile(npz)) {
      throw new NoSuchFileException(npz.toString(), null, "no such npz file");
    }
    try {
      return new ZipFile(npz.toFile());
    } catch (java.util.zip.ZipException e) {
      throw new IOException(npz + ": not an npz (zip) archive: " + e.getMessage(), e);
    }
  }

  private static ZipEntry entry(ZipFile zip, Path npz, String name) throws IOException {
    ZipEntry e = zip.getEntry(name + ".npy");
    if (e == null) {
      e = zip.getEntry(name);
    }
    if (e == null) {
      List<String> names = new ArrayList<>();
      zip.stream().forEach(z -> names.add(arrayName(z.getName())));
      throw new IOException(npz + ": no array '" + name + "' (arrays: " + names + ")");
    }
    return e;
  }

  private static String arrayName(String entry) {
    return entry.endsWith(".npy") ? entry.substring(0, entry.length() - 4) : entry;
  }

  private static void requireInteger(Header h, Path npz, String name) throws IOException {
    if (!h.isInteger()) {
      throw new IOException(
          npz
              + ": array '"
              + name
              + "' has dtype "
              + h.descr()
              + "; only integer arrays are read"
              + (h.descr().contains("O") ? " (object arrays are pickled Python objects)" : ""));
    }
  }

  static Header header(DataInputStream in, Path npz, String entry) throws IOException {
    byte[] magic = new byte[6];
    in.readFully(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException(npz + ": entry " + entry + " is not a .npy array (bad magic)");
    }
    int major = in.readUnsignedByte();
    in.readUnsignedByte();
    long len;
    if (major == 1) {
      len = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
    } else if (major == 2 || major == 3) {
      len = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
    } else {
      throw new IOException(
          npz + ": entry " + entry + " has .npy format version " + major + ", not 1 to 3");
    }
    if (len > 1 << 20) {
      throw new IOException(npz + ": entry " + entry + " has a header of " + len + " bytes");
    }
    byte[] hb = new byte[(int) len];
    in.readFully(hb);
    String dict = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(dict);
    Matcher f = FORTRAN.matcher(dict);
    Matcher s = SHAPE.matcher(dict);
    if (!d.find() || !f.find() || !s.find()) {
      // structured dtypes (descr is a list) land here: not a label array
      return new Header(dict.trim(), false, new long[0]);
    }
    List<Long> shape = new ArrayList<>();
    for (String part : s.group(1).split(",")) {
      String t = part.trim().replace("L", "");
      if (!t.isEmpty()) {
        shape.add(Long.parseLong(t));
      }
    }
    return new Header(
        d.group(1), f.group(1).equals("True"), shape.stream().mapToLong(Long::longValue).toArray());
  }

  /** Values of one dtype from a stream. */
  private static final class ValueReader {
    private final InputStream in;
    private final int width;
    private final boolean unsigned;
    private final boolean big;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int lim;

    ValueReader(InputStream in, Header h) {
      this.in = in;
      this.width = h.width();
      this.unsigned = h.unsigned();
      this.big = h.order() == ByteOrder.BIG_ENDIAN;
    }

    long next() throws IOException {
      if (lim - pos < width) {
        fill();
      }
      long v = 0;
      if (big) {
        for (int k = 0; k < width; k++) {
          v = (v << 8) | (buf[pos + k] & 0xff);
        }
      } else {
        for (int k = width - 1; k >= 0; k--) {
          v = (v << 8) | (buf[pos + k] & 0xff);
        }
      }
      pos += width;
      if (!unsigned && width < 8) {
        int shift = 64 - 8 * width;
        v = (v << shift) >> shift;
      }
      return v;
    }

    void skipValues(long n) throws IOException {
      long bytes = n * width;
      int buffered = lim - pos;
      if (bytes <= buffered) {
        pos += (int) bytes;
        return;
      }
      bytes -= buffered;
      pos = lim;
      in.skipNBytes(bytes);
    }

    private void fill() throws IOException {
      int rest = lim - pos;
      System.arraycopy(buf, pos, buf, 0, rest);
      pos = 0;
      lim = rest;
      while (lim < width) {
        int r = in.read(buf, lim, buf.length - lim);
        if (r < 0) {
          throw new EOFException("the array ends early");
        }
        lim += r;
      }
    }
  }
}
