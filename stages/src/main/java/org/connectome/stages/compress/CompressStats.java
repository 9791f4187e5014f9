package org.connectome.stages.compress;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.connectome.stages.precomputed.AtomicFiles;

/**
 * What one compress unit read and wrote, for the report's compression ratio: {@code
 * output/stats/<unit / 1000>/ u<unit>.json} in the step folder.
 *
 * @param unit unit index
 * @param block the block at scale 0, {@code x0-x1_y0-y1_z0-z1}
 * @param encoding chunk encoding written
 * @param bytesIn bytes of the input voxels read (scale 0, uncompressed)
 * @param rawBytes uncompressed bytes of everything written (all scales)
 * @param storedBytes bytes of the chunk files written (all scales); {@code rawBytes / storedBytes}
 *     is the compression ratio
 * @param chunks chunk files written
 * @param scales the same per scale
 * @param skipped why the unit wrote nothing, or null
 * @param volume {@code image} or {@code segmentation} (a pyramid step's units write both), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompressStats(
    long unit,
    String block,
    String encoding,
    long bytesIn,
    long rawBytes,
    long storedBytes,
    long chunks,
    List<ScaleStats> scales,
    String skipped,
    String volume) {

  /** One scale's share. */
  public record ScaleStats(String key, long rawBytes, long storedBytes, long chunks) {}

  /** Totals over a step's units. */
  public record Summary(long units, long bytesIn, long rawBytes, long storedBytes, long chunks) {
    /** Uncompressed bytes written per byte stored (all scales). */
    public double ratio() {
      return storedBytes == 0 ? 0 : (double) rawBytes / storedBytes;
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The stats of a unit that wrote {@code scales}. */
  static CompressStats of(
      String volume,
      long unit,
      org.connectome.pipeline.Box block,
      CompressParams params,
      long bytesIn,
      List<ScaleStats> scales) {
    long raw = 0;
    long out = 0;
    long chunks = 0;
    for (ScaleStats s : scales) {
      raw += s.rawBytes();
      out += s.storedBytes();
      chunks += s.chunks();
    }
    return new CompressStats(
        unit,
        block.chunkName(),
        params.encoding().json(),
        bytesIn,
        raw,
        out,
        chunks,
        scales,
        null,
        volume);
  }

  public static Path file(Path stepOutputDir, long unit) {
    return stepOutputDir
        .resolve("stats")
        .resolve(String.format("%06d", unit / 1000))
        .resolve("u" + unit + ".json");
  }

  public void write(Path stepOutputDir) throws IOException {
    AtomicFiles.write(file(stepOutputDir, unit), MAPPER.writeValueAsBytes(this));
  }

  public static CompressStats read(Path file) throws IOException {
    return MAPPER.readValue(file.toFile(), CompressStats.class);
  }

  /** Sums the stats files of a step's output folder (for the report). */
  public static Summary summarize(Path stepOutputDir) throws IOException {
    Path dir = stepOutputDir.resolve("stats");
    if (!Files.isDirectory(dir)) {
      return new Summary(0, 0, 0, 0, 0);
    }
    long units = 0;
    long in = 0;
    long raw = 0;
    long out = 0;
    long chunks = 0;
    try (Stream<Path> files = Files.walk(dir, 2)) {
      for (Path f :
          (Iterable<Path>)
              files.filter(p -> p.getFileName().toString().matches("u\\d+\\.json"))::iterator) {
        CompressStats s = read(f);
        units++;
        in += s.bytesIn();
        raw += s.rawBytes();
        out += s.storedBytes();
        chunks += s.chunks();
      }
    }
    return new Summary(units, in, raw, out, chunks);
  }
}
