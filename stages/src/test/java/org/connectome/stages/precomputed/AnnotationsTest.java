package org.connectome.stages.precomputed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The point annotation encodings against the byte layout of Neuroglancer's precomputed annotation
 * format, and the collection the writer lays out: info, by-id, related-object and spatial index
 * files, decoded again.
 */
class AnnotationsTest {
  /** Properties in an order that is not the encoded one: 1-, 4-, 2- and 4-byte values. */
  static Annotations.Schema schema() {
    return new Annotations.Schema(
        List.of("x", "y", "z"),
        new double[] {8e-9, 8e-9, 33e-9},
        List.of(
            new Annotations.Property("flag", Annotations.PropertyType.UINT8, null),
            new Annotations.Property("score", Annotations.PropertyType.FLOAT32, "confidence"),
            new Annotations.Property("count", Annotations.PropertyType.UINT16, null),
            new Annotations.Property("size", Annotations.PropertyType.UINT32, null)),
        List.of("pre_synaptic_cell", "post_synaptic_cell"));
  }

  static Annotations.Point point(long id, double x, double y, double z, long pre, long post) {
    return new Annotations.Point(
        id,
        new double[] {x, y, z},
        new double[] {id % 3, 0.25 * id, id % 1000, 7 * id},
        new long[][] {new long[] {pre}, new long[] {post}});
  }

  @Test
  void oneAnnotationFollowsTheFormatsByteLayout() {
    Annotations.Schema s = schema();
    // position 3 x float32 (12), then by alignment: score float32 @12, size uint32 @16, count
    // uint16 @20,
    // flag uint8 @22, one byte of padding to 24
    assertEquals(12, s.propertyOffset(1));
    assertEquals(16, s.propertyOffset(3));
    assertEquals(20, s.propertyOffset(2));
    assertEquals(22, s.propertyOffset(0));
    assertEquals(24, s.recordBytes());
    long big = (1L << 40) + 5;
    Annotations.Point p =
        new Annotations.Point(
            9,
            new double[] {1.5, 2.25, 3.5},
            new double[] {2, 0.75, 513, 70000},
            new long[][] {new long[] {big}, new long[] {11, -1L}});
    ByteBuffer e = ByteBuffer.allocate(24 + 4 + 8 + 4 + 16).order(ByteOrder.LITTLE_ENDIAN);
    e.putFloat(1.5f)
        .putFloat(2.25f)
        .putFloat(3.5f)
        .putFloat(0.75f)
        .putInt(70000)
        .putShort((short) 513)
        .put((byte) 2)
        .put((byte) 0);
    e.putInt(1).putLong(big).putInt(2).putLong(11).putLong(-1L);
    byte[] enc = s.encodeSingle(p);
    assertArrayEquals(e.array(), enc);
    Annotations.Point back = s.decodeSingle(9, enc);
    assertArrayEquals(p.position(), back.position(), 0);
    assertArrayEquals(p.properties(), back.properties(), 0);
    assertArrayEquals(p.related()[0], back.related()[0]);
    assertArrayEquals(p.related()[1], back.related()[1]);
    // truncated or padded files are refused
    assertThrows(
        IllegalArgumentException.class,
        () -> s.decodeSingle(9, java.util.Arrays.copyOf(enc, enc.length - 1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> s.decodeSingle(9, java.util.Arrays.copyOf(enc, enc.length + 4)));
  }

  @Test
  void aListIsCountRecordsThenIds() {
    Annotations.Schema s = schema();
    List<Annotations.Point> pts = List.of(point(5, 1, 2, 3, 100, 200), point(7, 4, 5, 6, 100, 300));
    byte[] enc = s.encodeList(pts);
    assertEquals(8 + 2 * 24 + 2 * 8, enc.length);
    ByteBuffer b = ByteBuffer.wrap(enc).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(2, b.getLong(0));
    assertEquals(4f, b.getFloat(8 + 24));
    assertEquals(5, b.getLong(8 + 48));
    assertEquals(7, b.getLong(8 + 56));
    List<Annotations.Point> back = s.decodeList(enc);
    assertEquals(2, back.size());
    assertEquals(7, back.get(1).id());
    assertArrayEquals(new double[] {4, 5, 6}, back.get(1).position(), 0);
    assertArrayEquals(pts.get(1).properties(), back.get(1).properties(), 0);
    assertArrayEquals(new byte[8], s.encodeList(List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> s.decodeList(java.util.Arrays.copyOf(enc, enc.length - 8)));
  }

  @Test
  void badSchemasAreRefusedByName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Annotations.Property("Score", Annotations.PropertyType.FLOAT32, null));
    assertTrue(e.getMessage().contains("Score"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new Annotations.Schema(List.of("x", "y"), new double[] {1e-9}, List.of(), List.of()));
  }

  @Test
  void theWrittenCollectionHoldsEveryAnnotationOnceInTheSpatialIndexAndIndexesRelationships(
      @TempDir Path dir) throws Exception {
    Annotations.Schema s = schema();
    SplittableRandom r = new SplittableRandom(11);
    List<Annotations.Point> pts = new ArrayList<>();
    for (int i = 1; i <= 300; i++) {
      pts.add(
          point(
              i,
              r.nextDouble() * 1000,
              r.nextDouble() * 600,
              r.nextInt(40) + 0.5,
              1 + r.nextInt(20),
              (1L << 40) + r.nextInt(20)));
    }
    double[] upper = {1000, 600, 40};
    AnnotationsWriter w = new AnnotationsWriter(s, new double[] {0, 0, 0}, upper, 25);
    // segment 999 has no annotation: it still gets an (empty) entry in both relationships
    w.write(dir, pts, Set.of(999L, 1L));
    for (String rel : s.relationships()) {
      assertArrayEquals(
          new byte[8],
          Files.readAllBytes(dir.resolve(AnnotationsWriter.relationshipKey(rel)).resolve("999")));
    }
    JsonNode info = new ObjectMapper().readTree(dir.resolve("info").toFile());
    assertEquals("neuroglancer_annotations_v1", info.path("@type").asText());
    assertEquals("POINT", info.path("annotation_type").asText());
    assertEquals(33e-9, info.path("dimensions").path("z").get(0).asDouble(), 1e-18);
    assertEquals("m", info.path("dimensions").path("z").get(1).asText());
    assertEquals("flag", info.path("properties").get(0).path("id").asText());
    assertEquals("uint8", info.path("properties").get(0).path("type").asText());
    assertEquals("rel_post_synaptic_cell", info.path("relationships").get(1).path("key").asText());
    assertEquals("by_id", info.path("by_id").path("key").asText());
    JsonNode spatial = info.path("spatial");
    assertTrue(spatial.size() > 1, "300 points with a limit of 25 need several levels: " + spatial);
    Map<Long, Integer> seen = new HashMap<>();
    for (int k = 0; k < spatial.size(); k++) {
      JsonNode level = spatial.get(k);
      assertEquals("spatial" + k, level.path("key").asText());
      assertEquals(25, level.path("limit").asInt());
      int[] shape = new int[3];
      double[] chunk = new double[3];
      for (int d = 0; d < 3; d++) {
        shape[d] = level.path("grid_shape").get(d).asInt();
        chunk[d] = level.path("chunk_size").get(d).asDouble();
        // the grid covers the bounds exactly
        assertEquals(upper[d], shape[d] * chunk[d], 1e-9, "level " + k + " dimension " + d);
      }
      if (k > 0) {
        for (int d = 0; d < 3; d++) {
          double parent = spatial.get(k - 1).path("chunk_size").get(d).asDouble();
          assertTrue(
              chunk[d] == parent || chunk[d] == parent / 2, "level " + k + " halves or keeps " + d);
        }
      }
      try (Stream<Path> files = Files.list(dir.resolve("spatial" + k))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          String[] c = f.getFileName().toString().split("_");
          List<Annotations.Point> cell = s.decodeList(Files.readAllBytes(f));
          for (Annotations.Point p : cell) {
            for (int d = 0; d < 3; d++) {
              int at = Integer.parseInt(c[d]);
              assertTrue(
                  p.position()[d] >= at * chunk[d] && p.position()[d] <= (at + 1) * chunk[d],
                  "annotation " + p.id() + " in cell " + f.getFileName() + " of level " + k);
            }
            seen.merge(p.id(), 1, Integer::sum);
          }
        }
      }
    }
    assertEquals(300, seen.size());
    assertTrue(
        seen.values().stream().allMatch(n -> n == 1),
        "every annotation in exactly one cell of one level");
    // by id: the record with its relationships
    for (Annotations.Point p : pts) {
      Annotations.Point back =
          s.decodeSingle(p.id(), Files.readAllBytes(dir.resolve("by_id").resolve("" + p.id())));
      assertArrayEquals(p.related()[1], back.related()[1]);
      assertEquals((float) p.position()[0], back.position()[0], 0);
    }
    // related objects: each segment lists exactly the annotations that name it
    for (int rel = 0; rel < 2; rel++) {
      Map<Long, Set<Long>> expected = new HashMap<>();
      for (Annotations.Point p : pts) {
        expected.computeIfAbsent(p.related()[rel][0], k -> new HashSet<>()).add(p.id());
      }
      Path relDir = dir.resolve(AnnotationsWriter.relationshipKey(s.relationships().get(rel)));
      for (Map.Entry<Long, Set<Long>> e : expected.entrySet()) {
        Set<Long> got = new HashSet<>();
        for (Annotations.Point p :
            s.decodeList(Files.readAllBytes(relDir.resolve(Long.toUnsignedString(e.getKey()))))) {
          got.add(p.id());
        }
        assertEquals(e.getValue(), got, "segment " + e.getKey());
      }
      Set<Long> listed = new HashSet<>(expected.keySet());
      listed.addAll(Set.of(999L, 1L));
      try (Stream<Path> files = Files.list(relDir)) {
        assertEquals(listed.size(), files.count(), "the segments named, and 999 and 1");
      }
    }
  }

  @Test
  void rewritingGivesTheSameBytesAndDropsWhatTheNewCollectionLacks(@TempDir Path dir)
      throws Exception {
    Annotations.Schema s = schema();
    List<Annotations.Point> pts = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      pts.add(point(i, i * 10, i * 5, i % 8, 3, 4 + i % 2));
    }
    AnnotationsWriter w =
        new AnnotationsWriter(s, new double[] {0, 0, 0}, new double[] {500, 300, 10}, 8);
    w.write(dir, pts);
    Map<String, byte[]> first = snapshot(dir);
    w.write(dir, pts);
    Map<String, byte[]> second = snapshot(dir);
    assertEquals(first.keySet(), second.keySet());
    for (String k : first.keySet()) {
      assertArrayEquals(first.get(k), second.get(k), k);
    }
    // a smaller collection (one level, fewer ids, one post segment) leaves no file of the larger
    // one behind
    w = new AnnotationsWriter(s, new double[] {0, 0, 0}, new double[] {500, 300, 10}, 1000);
    w.write(
        dir,
        pts.subList(0, 10).stream()
            .map(
                p ->
                    new Annotations.Point(
                        p.id(),
                        p.position(),
                        p.properties(),
                        new long[][] {new long[] {3}, new long[] {4}}))
            .toList());
    Map<String, byte[]> third = snapshot(dir);
    assertFalse(third.containsKey("by_id/11"));
    assertFalse(third.containsKey("rel_post_synaptic_cell/5"));
    assertFalse(
        third.keySet().stream().anyMatch(k -> k.startsWith("spatial1")), third.keySet().toString());
    assertTrue(third.containsKey("spatial0/0_0_0"));
    assertEquals(10, s.decodeList(third.get("spatial0/0_0_0")).size());
  }

  private static Map<String, byte[]> snapshot(Path dir) throws Exception {
    Map<String, byte[]> m = new HashMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        m.put(dir.relativize(f).toString(), Files.readAllBytes(f));
      }
    }
    return m;
  }
}
