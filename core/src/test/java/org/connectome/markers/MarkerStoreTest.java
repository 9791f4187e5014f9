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
}
