package org.connectome.markers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.BitSet;
import java.util.stream.Stream;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkerStoreTest {
  @TempDir Path dir;

  static CompletionMarker marker(long unit, String hash) {
    return new CompletionMarker(
        "stitch",
        "stitch",
        unit,
        hash,
        "0.1",
        1,
        unit / 10,
        "host",
        Instant.EPOCH,
        Instant.EPOCH.plusSeconds(1));
  }

  @Test
  void markersAreValidOnlyForTheirParametersHash() throws Exception {
    MarkerStore store = new MarkerStore(dir);
    store.write(marker(5, "aaaa"));
    assertTrue(store.isDone(5, "aaaa"));
    assertFalse(store.isDone(5, "bbbb"));
    assertEquals(5, store.read(5, "aaaa").orElseThrow().unit());
    assertTrue(store.read(5, "bbbb").isEmpty());
  }

  @Test
  void scanAcrossBucketsFindsExactlyTheDoneUnits() throws Exception {
    MarkerStore store = new MarkerStore(dir);
    for (long u : new long[] {0, 999, 1000, 1001, 2500}) {
      store.write(marker(u, "h"));
    }
    store.write(marker(1002, "other"));
    BitSet done = store.scan(new UnitRange(999, 2501), "h");
    assertEquals(4, done.cardinality());
    assertTrue(done.get(0) && done.get(1) && done.get(2) && done.get(2500 - 999));
    assertEquals(1, store.countDone(new UnitRange(0, 999), "h"));
    assertEquals(0, store.countDone(new UnitRange(3000, 4000), "h"));
  }

  @Test
  void noTemporaryFilesRemainAfterWriting() throws Exception {
    MarkerStore store = new MarkerStore(dir);
    for (int i = 0; i < 50; i++) {
      store.write(marker(i, "h"));
    }
    try (Stream<Path> files = Files.walk(dir)) {
      assertEquals(
          50,
          files
              .filter(Files::isRegularFile)
              .filter(
                  p ->
                      p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("."))
              .count());
    }
    try (Stream<Path> files = Files.walk(dir)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count());
    }
  }

  @Test
  void checkReadsEveryBucketAndTellsEachProblem() throws Exception {
    Path run = dir.resolve("run");
    MarkerStore store = new MarkerStore(dir.resolve("markers"), run, false);
    for (long u = 0; u < 2500; u += 7) {
      Path out = run.resolve("out/u" + u);
      Files.createDirectories(out.getParent());
      Files.write(out, new byte[(int) (u % 50)]);
      store.write(
          new CompletionMarker(
              "s",
              "t",
              u,
              "h",
              "v",
              1,
              0,
              "host",
              Instant.EPOCH,
              Instant.EPOCH,
              java.util.List.of(
                  new org.connectome.files.OutputFile(
                      "out/u" + u,
                      u % 50,
                      org.connectome.files.Crc32c.of(new byte[(int) (u % 50)])))));
    }
    Files.delete(run.resolve("out/u7"));
    Files.write(
        run.resolve("out/u1001"), new byte[1]); // 1001 % 50 = 1 byte: same size, other bytes
    Files.write(run.resolve("out/u2002"), new byte[3]);
    Files.copy(
        store.path(1407, "h"),
        store.path(1400, "h"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING); // names unit 1407
    Files.writeString(
        store.path(1407, "h"), Files.readString(store.path(1407, "h")).replace("\"h\"", "\"x\""));
    Files.write(store.path(2401, "h"), new byte[0]);
    MarkerCheck sizes = store.check(new UnitRange(0, 2500), "h", MarkerCheck.Depth.SIZES);
    assertEquals(
        java.util.List.of(7L, 1400L, 1407L, 2002L, 2401L),
        sizes.invalid().stream().map(InvalidUnit::unit).toList());
    assertEquals(
        java.util.List.of(
            MarkerProblem.OUTPUT_MISSING,
            MarkerProblem.OTHER_PARAMETERS,
            MarkerProblem.OTHER_PARAMETERS,
            MarkerProblem.OUTPUT_SIZE,
            MarkerProblem.EMPTY),
        sizes.invalid().stream().map(InvalidUnit::problem).toList());
    assertEquals(358 - 5, sizes.done().cardinality());
    Files.write(run.resolve("out/u1001"), new byte[] {42});
    MarkerCheck sums = store.check(new UnitRange(0, 2500), "h", MarkerCheck.Depth.CHECKSUMS);
    assertTrue(
        sums.invalid().stream()
            .anyMatch(i -> i.unit() == 1001 && i.problem() == MarkerProblem.OUTPUT_CHECKSUM));
    assertEquals(
        "6 units of s.t redone: marker empty (unit 2401: 000002/u2401-h.json is empty);"
            + " marker names other parameters (unit 1400: 000001/u1400-h.json holds unit 1407 under"
            + " parameters h; and 1 more); output missing (unit 7: out/u7: no such file); output of the wrong"
            + " size (unit 2002: out/u2002 has 3 bytes, the marker recorded 2); output checksum"
            + " differs (unit 1001: out/u1001 has CRC32C 1922f5b7, the marker recorded 527d5351)",
        sums.summary("s.t", "redone"));
    store.invalidate(7, "h", true);
    store.invalidate(14, "h", false);
    assertFalse(store.isDone(7, "h"));
    assertFalse(store.isDone(14, "h"));
    assertTrue(Files.exists(dir.resolve("markers/invalid/u7-h.json")));
  }
}
