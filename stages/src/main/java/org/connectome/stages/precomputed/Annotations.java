package org.connectome.stages.precomputed;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Neuroglancer's precomputed point annotations ({@code neuroglancer_annotations_v1}, {@code
 * annotation_type POINT}): the schema of a collection (its coordinate space, properties and
 * relationships) and the binary encodings of its index files, per Neuroglancer's {@code
 * src/datasource/precomputed/annotations.md}.
 *
 * <p>One annotation's record is its position (float32 little-endian per dimension), then its
 * property values ordered by alignment (4-byte types first, then 2-byte, then 1-byte; among equals
 * in the info's order, as Neuroglancer's stable sort of the properties does), then zero padding to
 * a multiple of 4 bytes. The by-id file of an annotation is the record followed, per relationship,
 * by a uint32 count and that many uint64 ids. A list (spatial index cell, related-object index
 * entry) is a uint64 count, the records, then the uint64 ids in the same order; lists carry no
 * relationships.
 */
public final class Annotations {
  private static final Pattern PROPERTY_ID = Pattern.compile("^[a-z][a-zA-Z0-9_]*$");

  private Annotations() {}

  /** Property value types Neuroglancer reads, with their byte size and alignment. */
  public enum PropertyType {
    FLOAT32("float32", 4),
    UINT32("uint32", 4),
    INT32("int32", 4),
    UINT16("uint16", 2),
    INT16("int16", 2),
    UINT8("uint8", 1);

    private final String json;
    private final int bytes;

    PropertyType(String json, int bytes) {
      this.json = json;
      this.bytes = bytes;
    }

    public String json() {
      return json;
    }

    public int bytes() {
      return bytes;
    }
  }

  /**
   * One property of every annotation.
   *
   * @param id identifier shown in Neuroglancer ({@code [a-z][a-zA-Z0-9_]*})
   * @param type value type
   * @param description text shown in the UI, or null
   */
  public record Property(String id, PropertyType type, String description) {
    public Property {
      if (id == null || !PROPERTY_ID.matcher(id).matches()) {
        throw new IllegalArgumentException(
            "annotation property id must match [a-z][a-zA-Z0-9_]*, not " + id);
      }
      if (type == null) {
        throw new IllegalArgumentException("annotation property " + id + " has no type");
      }
    }
  }

  /**
   * A point annotation.
   *
   * @param id unique uint64 id (Java long, read unsigned)
   * @param position one coordinate per dimension, in the dimensions' units (voxels); stored as
   *     float32
   * @param properties one value per property of the schema, in the schema's order
   * @param related per relationship of the schema, the related object (segment) ids
   */
  public record Point(long id, double[] position, double[] properties, long[][] related) {}

  /**
   * A collection's schema: dimension names and scales (metres), properties and relationships, and
   * the record layout that follows from them.
   */
  public static final class Schema {
    private final List<String> dimensions;
    private final double[] metres;
    private final List<Property> properties;
    private final List<String> relationships;
    private final int[] offsets;
    private final int recordBytes;

    /**
     * @param dimensions dimension names, for example {@code x, y, z}
     * @param metres the physical size of one unit of each dimension, metres
     * @param properties per-annotation properties
     * @param relationships relationship ids, for example {@code pre_synaptic_cell}
     */
    public Schema(
        List<String> dimensions,
        double[] metres,
        List<Property> properties,
        List<String> relationships) {
      if (dimensions.isEmpty() || dimensions.size() != metres.length) {
        throw new IllegalArgumentException(
            "need one scale per dimension: " + dimensions + " vs " + Arrays.toString(metres));
      }
      for (double m : metres) {
        if (!(m > 0)) {
          throw new IllegalArgumentException(
              "dimension scales must be positive: " + Arrays.toString(metres));
        }
      }
      if (properties.stream().map(Property::id).distinct().count() != properties.size()) {
        throw new IllegalArgumentException("duplicate annotation property ids: " + properties);
      }
      this.dimensions = List.copyOf(dimensions);
      this.metres = metres.clone();
      this.properties = List.copyOf(properties);
      this.relationships = List.copyOf(relationships);
      // Neuroglancer places properties by decreasing alignment (a stable sort), so wider values
      // stay aligned
      Integer[] order = new Integer[properties.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, Comparator.comparingInt((Integer i) -> -properties.get(i).type().bytes()));
      this.offsets = new int[properties.size()];
      int at = 4 * dimensions.size();
      for (int i : order) {
        offsets[i] = at;
        at += properties.get(i).type().bytes();
      }
      this.recordBytes = (at + 3) / 4 * 4;
    }

    public int rank() {
      return dimensions.size();
    }

    public List<String> dimensions() {
      return dimensions;
    }

    public double[] metres() {
      return metres.clone();
    }

    public List<Property> properties() {
      return properties;
    }

    public List<String> relationships() {
      return relationships;
    }

    /** Bytes of one annotation's position, properties and padding. */
    public int recordBytes() {
      return recordBytes;
    }

    /** Byte offset of property {@code i} (schema order) within a record. */
    public int propertyOffset(int i) {
      return offsets[i];
    }

    private void check(Point p) {
      if (p.position().length != rank()) {
        throw new IllegalArgumentException(
            "annotation "
                + Long.toUnsignedString(p.id())
                + " has "
                + p.position().length
                + " coordinates, the collection "
                + rank());
      }
      if (p.properties().length != properties.size()) {
        throw new IllegalArgumentException(
            "annotation "
                + Long.toUnsignedString(p.id())
                + " has "
                + p.properties().length
                + " property values, the collection "
                + properties.size());
      }
      if (p.related() == null
          ? !relationships.isEmpty()
          : p.related().length != relationships.size()) {
        throw new IllegalArgumentException(
            "annotation "
                + Long.toUnsignedString(p.id())
                + " needs one id list per relationship "
                + relationships);
      }
    }

    private void putRecord(ByteBuffer b, Point p) {
      int start = b.position();
      for (double c : p.position()) {
        b.putFloat((float) c);
      }
      for (int i = 0; i < properties.size(); i++) {
        double v = p.properties()[i];
        int at = start + offsets[i];
        switch (properties.get(i).type()) {
          case FLOAT32 -> b.putFloat(at, (float) v);
          case UINT32 -> b.putInt(at, (int) clamp(Math.round(v), 0, 0xFFFFFFFFL));
          case INT32 ->
              b.putInt(at, (int) clamp(Math.round(v), Integer.MIN_VALUE, Integer.MAX_VALUE));
          case UINT16 -> b.putShort(at, (short) clamp(Math.round(v), 0, 0xFFFF));
          case INT16 ->
              b.putShort(at, (short) clamp(Math.round(v), Short.MIN_VALUE, Short.MAX_VALUE));
          case UINT8 -> b.put(at, (byte) clamp(Math.round(v), 0, 0xFF));
        }
      }
      // the padding bytes stay 0 (fresh buffers are zeroed)
      b.position(start + recordBytes);
    }

    private Point getRecord(ByteBuffer b, long id) {
      int start = b.position();
      double[] pos = new double[rank()];
      for (int d = 0; d < pos.length; d++) {
        pos[d] = b.getFloat();
      }
      double[] values = new double[properties.size()];
      for (int i = 0; i < values.length; i++) {
        int at = start + offsets[i];
        values[i] =
            switch (properties.get(i).type()) {
              case FLOAT32 -> b.getFloat(at);
              case UINT32 -> Integer.toUnsignedLong(b.getInt(at));
              case INT32 -> b.getInt(at);
              case UINT16 -> Short.toUnsignedInt(b.getShort(at));
              case INT16 -> b.getShort(at);
              case UINT8 -> Byte.toUnsignedInt(b.get(at));
            };
      }
      b.position(start + recordBytes);
      return new Point(id, pos, values, null);
    }

    /**
     * The by-id file of one annotation: its record, then per relationship a uint32 count and the
     * uint64 ids.
     */
    public byte[] encodeSingle(Point p) {
      check(p);
      int n = recordBytes;
      for (long[] r : p.related()) {
        n += 4 + 8 * r.length;
      }
      ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
      putRecord(b, p);
      for (long[] r : p.related()) {
        b.putInt(r.length);
        for (long id : r) {
          b.putLong(id);
        }
      }
      return b.array();
    }

    /** Decodes a by-id file; the id is the file's name. */
    public Point decodeSingle(long id, byte[] data) {
      ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      if (data.length < recordBytes + 4 * relationships.size()) {
        throw new IllegalArgumentException(
            "annotation "
                + Long.toUnsignedString(id)
                + ": "
                + data.length
                + " bytes, at least "
                + (recordBytes + 4 * relationships.size())
                + " expected");
      }
      Point p = getRecord(b, id);
      long[][] related = new long[relationships.size()][];
      for (int r = 0; r < related.length; r++) {
        int count = b.getInt();
        if (count < 0 || b.remaining() < 8L * count) {
          throw new IllegalArgumentException(
              "annotation "
                  + Long.toUnsignedString(id)
                  + ": relationship "
                  + relationships.get(r)
                  + " lists "
                  + Integer.toUnsignedString(count)
                  + " ids beyond the file's end");
        }
        related[r] = new long[count];
        for (int k = 0; k < count; k++) {
          related[r][k] = b.getLong();
        }
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(
            "annotation "
                + Long.toUnsignedString(id)
                + ": "
                + b.remaining()
                + " bytes after the last relationship");
      }
      return new Point(id, p.position(), p.properties(), related);
    }

    /**
     * A list (spatial index cell or related-object entry): uint64 count, the records, then the
     * uint64 ids.
     */
    public byte[] encodeList(List<Point> points) {
      ByteBuffer b =
          ByteBuffer.allocate(8 + points.size() * (recordBytes + 8)).order(ByteOrder.LITTLE_ENDIAN);
      b.putLong(points.size());
      for (Point p : points) {
        check(p);
        putRecord(b, p);
      }
      for (Point p : points) {
        b.putLong(p.id());
      }
      return b.array();
    }

    /** Decodes a list; the points come back without relationships (lists do not carry them). */
    public List<Point> decodeList(byte[] data) {
      ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      if (data.length < 8) {
        throw new IllegalArgumentException(
            "annotation list of " + data.length + " bytes: at least 8 expected");
      }
      long count = b.getLong();
      if (count < 0 || data.length != 8 + count * (recordBytes + 8)) {
        throw new IllegalArgumentException(
            "annotation list of "
                + data.length
                + " bytes does not hold "
                + Long.toUnsignedString(count)
                + " annotations of "
                + recordBytes
                + " bytes and their ids");
      }
      int n = (int) count;
      ByteBuffer ids =
          ByteBuffer.wrap(data, 8 + n * recordBytes, 8 * n).order(ByteOrder.LITTLE_ENDIAN);
      List<Point> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(getRecord(b, ids.getLong()));
      }
      return out;
    }
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
