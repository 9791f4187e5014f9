package org.connectome.markers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Optional;
import org.connectome.pipeline.Json;
import org.connectome.units.UnitRange;

/**
 * Completion markers of one step, in the step's folder beside its outputs.
 *
 * <p>Layout: {@code markers/<unit / 1000>/u<unit>-<paramsHash>.json}. The parameters hash is part
 * of the file name, so checking a range of units is one directory listing per thousand units, with
 * no file read; a marker written under other parameters is simply not found. A marker is written to
 * a temporary file, forced to disk and renamed into place, so a marker either exists whole or not
 * at all.
 */
public final class MarkerStore implements CompletionMarkers {
  /**
   * Units per marker folder: keeps folders small on every file system and a range check to few
   * listings.
   */
  public static final int BUCKET = 1000;

  /** Ranges up to this size are checked unit by unit rather than by listing. */
  static final int SMALL_RANGE = 64;

  /**
   * Whether markers are forced to disk before they are renamed into place (default true). Only
   * benchmarks and tests of orchestration at scale, whose units do no real work, turn it off
   * ({@code -Dconnectome.markers.fsync=false} or {@code CX_MARKER_FSYNC=false}): a forced write
   * costs about a quarter of a millisecond, nothing beside a real unit, but most of a synthetic
   * one.
   */
  public static final boolean FSYNC_BY_DEFAULT =
      !"false"
          .equalsIgnoreCase(
              System.getProperty(
                  "connectome.markers.fsync",
                  System.getenv().getOrDefault("CX_MARKER_FSYNC", "true")));

  private final Path dir;
  private final boolean fsync;

  public MarkerStore(Path markersDir) {
    this(markersDir, FSYNC_BY_DEFAULT);
  }

  public MarkerStore(Path markersDir, boolean fsync) {
    this.dir = markersDir;
    this.fsync = fsync;
  }

  public Path dir() {
    return dir;
  }

  Path bucketDir(long unit) {
    return dir.resolve(String.format("%06d", unit / BUCKET));
  }

  Path path(long unit, String paramsHash) {
    return bucketDir(unit).resolve(name(unit, paramsHash));
  }

  private static String name(long unit, String paramsHash) {
    return "u" + unit + "-" + paramsHash + ".json";
  }

  /** Writes {@code marker} atomically; call only after the unit's outputs are complete. */
  @Override
  public void write(CompletionMarker marker) throws IOException {
    Path bucket = bucketDir(marker.unit());
    Files.createDirectories(bucket);
    Path tmp =
        bucket.resolve(
            "."
                + name(marker.unit(), marker.paramsHash())
                + "."
                + ProcessHandle.current().pid()
                + "."
                + Thread.currentThread().getId()
                + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(Json.bytes(marker));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      if (fsync) {
        ch.force(true);
      }
    }
    Files.move(
        tmp,
        path(marker.unit(), marker.paramsHash()),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public boolean isDone(long unit, String paramsHash) {
    return Files.exists(path(unit, paramsHash));
  }

  public Optional<CompletionMarker> read(long unit, String paramsHash) throws IOException {
    try {
      return Optional.of(
          Json.mapper()
              .readValue(Files.readAllBytes(path(unit, paramsHash)), CompletionMarker.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public BitSet scan(UnitRange range, String paramsHash) throws IOException {
    BitSet done = new BitSet((int) range.size());
    if (range.isEmpty()) {
      return done;
    }
    if (range.size() <= SMALL_RANGE) {
      // a few units: one stat each beats listing folders of a thousand markers
      for (long u = range.from(); u < range.to(); u++) {
        if (isDone(u, paramsHash)) {
          done.set((int) (u - range.from()));
        }
      }
      return done;
    }
    String suffix = "-" + paramsHash + ".json";
    for (long b = range.from() / BUCKET; b <= (range.to() - 1) / BUCKET; b++) {
      Path bucket = dir.resolve(String.format("%06d", b));
      if (!Files.isDirectory(bucket)) {
        continue;
      }
      try (DirectoryStream<Path> files = Files.newDirectoryStream(bucket)) {
        for (Path f : files) {
          String n = f.getFileName().toString();
          if (n.charAt(0) != 'u' || !n.endsWith(suffix)) {
            continue;
          }
          long unit;
          try {
            unit = Long.parseLong(n, 1, n.length() - suffix.length(), 10);
          } catch (NumberFormatException e) {
            continue;
          }
          if (range.contains(unit)) {
            done.set((int) (unit - range.from()));
          }
        }
      }
    }
    return done;
  }
}
