package org.connectome.markers;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.LongConsumer;
import org.connectome.files.AtomicFile;
import org.connectome.files.Crc32c;
import org.connectome.files.OutputFile;
import org.connectome.pipeline.Json;
import org.connectome.units.UnitRange;

/**
 * Completion markers of one step, in the step's folder beside its outputs.
 *
 * <p>Layout: {@code markers/<unit / 1000>/u<unit>-<paramsHash>.json}. The parameters hash is part
 * of the file name, so finding the marked units of a range is one directory listing per thousand
 * units; a marker written under other parameters is simply not found. A marker is written to a
 * temporary file, forced to disk and renamed into place, so a marker either exists whole or not at
 * all.
 *
 * <p>A marker lists the unit's outputs with their sizes and checksums; {@link #check} tells the
 * units whose marker holds up (parses, names its unit and hash, outputs there with their sizes)
 * from those whose files were deleted or cut short since, at the cost of reading each marker and
 * one {@code stat} per output. Invalid markers are moved to {@code markers/invalid/}, where no
 * listing finds them.
 */
public final class MarkerStore implements CompletionMarkers {
  /**
   * Units per marker folder: keeps folders small on every file system and a range check to few
   * listings.
   */
  public static final int BUCKET = 1000;

  /** Ranges up to this size are checked unit by unit rather than by listing. */
  static final int SMALL_RANGE = 64;

  /** Where invalid markers are kept, below the markers folder. */
  public static final String INVALID = "invalid";

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
  private final Path runDir;
  private final boolean fsync;

  /**
   * The markers in {@code markersDir} of a step laid out as {@code <run>/stages/<stage>/<step>/},
   * whose outputs' paths are relative to that run folder.
   */
  public MarkerStore(Path markersDir) {
    this(markersDir, runDirOf(markersDir), FSYNC_BY_DEFAULT);
  }

  /**
   * @param markersDir the step's markers folder
   * @param runDir the folder the outputs' paths are relative to
   */
  public MarkerStore(Path markersDir, Path runDir) {
    this(markersDir, runDir, FSYNC_BY_DEFAULT);
  }

  public MarkerStore(Path markersDir, Path runDir, boolean fsync) {
    this.dir = markersDir;
    this.runDir = runDir;
    this.fsync = fsync;
  }

  private static Path runDirOf(Path markersDir) {
    // markers -> step -> stage -> stages -> run
    Path p = markersDir.toAbsolutePath();
    for (int i = 0; i < 4 && p.getParent() != null; i++) {
      p = p.getParent();
    }
    return p;
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
    AtomicFile.write(path(marker.unit(), marker.paramsHash()), Json.bytes(marker), fsync);
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

  @Override
  public MarkerCheck check(UnitRange range, String paramsHash, MarkerCheck.Depth depth)
      throws IOException {
    return check(range, paramsHash, depth, u -> {});
  }

  /**
   * As {@link #check(UnitRange, String, MarkerCheck.Depth)}, calling {@code progress} with each
   * unit that had a marker once it is checked (for the progress of {@code connectome verify}).
   */
  public MarkerCheck check(
      UnitRange range, String paramsHash, MarkerCheck.Depth depth, LongConsumer progress)
      throws IOException {
    BitSet named = scan(range, paramsHash);
    // markers are read a thousand-unit bucket at a time, buckets in parallel: reading is most of
    // the cost of a check (tens of microseconds a marker, more on a network file system)
    List<long[]> buckets = new ArrayList<>();
    for (long b = range.from() / BUCKET; b <= (range.to() - 1) / BUCKET && !range.isEmpty(); b++) {
      long first = Math.max(range.from(), b * BUCKET);
      long end = Math.min(range.to(), (b + 1) * BUCKET);
      int next = named.nextSetBit((int) (first - range.from()));
      if (next >= 0 && next < end - range.from()) {
        buckets.add(new long[] {first, end});
      }
    }
    List<InvalidUnit[]> results;
    try {
      results =
          CHECKERS
              .submit(
                  () ->
                      buckets.parallelStream()
                          .map(
                              b -> {
                                InvalidUnit[] out = new InvalidUnit[(int) (b[1] - b[0])];
                                for (long u = b[0]; u < b[1]; u++) {
                                  if (named.get((int) (u - range.from()))) {
                                    try {
                                      out[(int) (u - b[0])] = checkOne(u, paramsHash, depth);
                                    } catch (IOException e) {
                                      throw new UncheckedIOException(e);
                                    }
                                    progress.accept(u);
                                  }
                                }
                                return out;
                              })
                          .toList())
              .get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("checking the markers in " + dir + " was interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw new IOException("checking the markers in " + dir + ": " + e.getCause(), e.getCause());
    }
    BitSet done = new BitSet((int) range.size());
    List<InvalidUnit> invalid = new ArrayList<>();
    for (int k = 0; k < buckets.size(); k++) {
      long first = buckets.get(k)[0];
      InvalidUnit[] out = results.get(k);
      for (int j = 0; j < out.length; j++) {
        int i = (int) (first + j - range.from());
        if (!named.get(i)) {
          continue;
        }
        if (out[j] == null) {
          done.set(i);
        } else {
          invalid.add(out[j]);
        }
      }
    }
    return new MarkerCheck(range, done, invalid);
  }

  /** The threads that read markers: a few, however many processors there are. */
  private static final ForkJoinPool CHECKERS = new ForkJoinPool(4);

  /** The problem of one unit's marker, or null when it holds up (or is gone meanwhile). */
  private InvalidUnit checkOne(long unit, String paramsHash, MarkerCheck.Depth depth)
      throws IOException {
    Path file = path(unit, paramsHash);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null; // invalidated by a concurrent check: not done, and nothing to report twice
    }
    if (bytes.length == 0) {
      return new InvalidUnit(unit, MarkerProblem.EMPTY, dir.relativize(file) + " is empty");
    }
    Parsed m;
    try {
      m = Parsed.of(bytes);
    } catch (IOException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      return new InvalidUnit(
          unit,
          MarkerProblem.UNREADABLE,
          dir.relativize(file) + ": " + why.lines().findFirst().orElse(""));
    }
    if (m.unit() != unit || !paramsHash.equals(m.paramsHash())) {
      return new InvalidUnit(
          unit,
          MarkerProblem.OTHER_PARAMETERS,
          dir.relativize(file) + " holds unit " + m.unit() + " under parameters " + m.paramsHash());
    }
    if (m.outputs() == null) {
      return null;
    }
    for (OutputFile o : m.outputs()) {
      Path p = runDir.resolve(o.path());
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        return new InvalidUnit(unit, MarkerProblem.OUTPUT_MISSING, o.path() + ": no such file");
      }
      if (!a.isRegularFile()) {
        return new InvalidUnit(
            unit, MarkerProblem.OUTPUT_MISSING, o.path() + ": not a regular file");
      }
      if (a.size() != o.size()) {
        return new InvalidUnit(
            unit,
            MarkerProblem.OUTPUT_SIZE,
            o.path() + " has " + a.size() + " bytes, the marker recorded " + o.size());
      }
      if (depth == MarkerCheck.Depth.CHECKSUMS && o.crc32c() != null) {
        String crc = Crc32c.of(p);
        if (!crc.equals(o.crc32c())) {
          return new InvalidUnit(
              unit,
              MarkerProblem.OUTPUT_CHECKSUM,
              o.path() + " has CRC32C " + crc + ", the marker recorded " + o.crc32c());
        }
      }
    }
    return null;
  }

  /**
   * What a check needs of a marker, read by streaming over its JSON (a fraction of the cost of
   * binding the whole record).
   */
  private record Parsed(long unit, String paramsHash, List<OutputFile> outputs) {
    static Parsed of(byte[] json) throws IOException {
      try (JsonParser p = FACTORY.createParser(json)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw new JsonParseException(p, "not a JSON object");
        }
        long unit = -1;
        String hash = null;
        List<OutputFile> outputs = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken t = p.nextToken();
          switch (name) {
            case "unit" -> unit = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
            case "paramsHash" -> hash = t == JsonToken.VALUE_STRING ? p.getText() : null;
            case "outputs" -> outputs = t == JsonToken.START_ARRAY ? outputs(p) : null;
            default -> p.skipChildren();
          }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
          throw new JsonParseException(p, "not one JSON object");
        }
        if (unit < 0 || hash == null) {
          throw new JsonParseException(p, "no unit or paramsHash");
        }
        return new Parsed(unit, hash, outputs);
      }
    }

    private static List<OutputFile> outputs(JsonParser p) throws IOException {
      List<OutputFile> out = new ArrayList<>();
      while (p.nextToken() == JsonToken.START_OBJECT) {
        String path = null;
        long size = -1;
        String crc = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken t = p.nextToken();
          switch (name) {
            case "path" -> path = t == JsonToken.VALUE_STRING ? p.getText() : null;
            case "size" -> size = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
            case "crc32c" -> crc = t == JsonToken.VALUE_STRING ? p.getText() : null;
            default -> p.skipChildren();
          }
        }
        if (path == null || size < 0) {
          throw new JsonParseException(p, "an output without path or size");
        }
        out.add(new OutputFile(path, size, crc));
      }
      if (p.currentToken() != JsonToken.END_ARRAY) {
        throw new JsonParseException(p, "outputs is not a list of outputs");
      }
      return out;
    }
  }

  private static final JsonFactory FACTORY = Json.mapper().getFactory();

  @Override
  public void invalidate(long unit, String paramsHash, boolean keep) throws IOException {
    Path file = path(unit, paramsHash);
    if (!keep) {
      Files.deleteIfExists(file);
      return;
    }
    Path aside = dir.resolve(INVALID).resolve(file.getFileName());
    Files.createDirectories(aside.getParent());
    try {
      Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
    } catch (NoSuchFileException e) {
      // gone already: another check moved it
    }
  }
}
