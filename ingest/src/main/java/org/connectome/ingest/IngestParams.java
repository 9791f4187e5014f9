package org.connectome.ingest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.connectome.acquisition.AcquisitionReads;
import org.connectome.spec.Param;
import org.connectome.spec.SpecCheck;
import org.connectome.tasks.StepParameters;

/**
 * Parameters of the reference ingest ({@code stages[i].params} of stage ingest).
 *
 * @param maxBadTiles bad tiles a section may have before it fails (missing, truncated, unreadable,
 *     ...); null: from {@code maxBadTileFraction}
 * @param maxBadTileFraction bad tiles allowed as a share of the section's tiles (default 0.02)
 * @param chunkSize tiles per Spring Batch chunk (one transaction; a restart resumes after the last
 *     one)
 * @param verifyChecksums whether to read every byte of every tile for its CRC32C checksum (default
 *     true)
 * @param tileWidth expected tile width in pixels, or 0: from metadata.txt or the first good tile
 * @param tileHeight expected tile height in pixels, or 0
 * @param readTimeout longest one read of the acquisition may take
 */
public record IngestParams(
    Integer maxBadTiles,
    double maxBadTileFraction,
    int chunkSize,
    boolean verifyChecksums,
    int tileWidth,
    int tileHeight,
    Duration readTimeout) {

  static final Param<Integer> MAX_BAD_TILES =
      Param.integer(
          "maxBadTiles",
          null,
          0,
          Integer.MAX_VALUE,
          "Bad tiles (missing, truncated, unreadable, ...) a section may have before it fails for"
              + " good (default: from maxBadTileFraction).");
  static final Param<Double> MAX_BAD_TILE_FRACTION =
      Param.number(
          "maxBadTileFraction", 0.02, 0, 1, "Bad tiles allowed as a share of a section's tiles.");
  static final Param<Integer> CHUNK_SIZE =
      Param.integer(
          "chunkSize",
          200,
          1,
          Integer.MAX_VALUE,
          "Tiles per Spring Batch chunk: one transaction; a restart resumes after the last one.");
  static final Param<Boolean> VERIFY_CHECKSUMS =
      Param.flag("verifyChecksums", true, "Read every byte of every tile for its CRC32C checksum.");
  static final Param<Integer> TILE_WIDTH =
      Param.integer(
          "tileWidth",
          0,
          0,
          Integer.MAX_VALUE,
          "Expected tile width, px (0: from metadata.txt or the first good tile).");
  static final Param<Integer> TILE_HEIGHT =
      Param.integer(
          "tileHeight", 0, 0, Integer.MAX_VALUE, "Expected tile height, px (0: as width).");

  static final Param<Duration> READ_TIMEOUT =
      Param.duration(
          "readTimeout",
          AcquisitionReads.DEFAULT_TIMEOUT,
          "Longest one read of the acquisition (a coordinate file, a tile) may take; longer, its"
              + " storage is taken to be hung and the section fails (retryable).");

  /** Every parameter of the reference ingest. */
  public static final List<Param<?>> PARAMS =
      List.of(
          MAX_BAD_TILES,
          MAX_BAD_TILE_FRACTION,
          CHUNK_SIZE,
          VERIFY_CHECKSUMS,
          TILE_WIDTH,
          TILE_HEIGHT,
          READ_TIMEOUT);

  /** Reads the parameters; {@link IllegalArgumentException} names a bad one. */
  public static IngestParams of(Map<String, Object> p) {
    String step = "ingest.ingest";
    return new IngestParams(
        MAX_BAD_TILES.read(step, p),
        MAX_BAD_TILE_FRACTION.read(step, p),
        CHUNK_SIZE.read(step, p),
        VERIFY_CHECKSUMS.read(step, p),
        TILE_WIDTH.read(step, p),
        TILE_HEIGHT.read(step, p),
        READ_TIMEOUT.read(step, p));
  }

  /** Bad tiles allowed in a section listing {@code tiles} tiles. */
  public int allowance(int tiles) {
    return maxBadTiles != null ? maxBadTiles : (int) Math.floor(maxBadTileFraction * tiles);
  }

  /** The reference ingest reads the acquisition: a spec running it must name one. */
  public static SpecCheck check() {
    return (spec, errors) -> {
      for (int i = 0; i < spec.stages().size(); i++) {
        var st = spec.stages().get(i);
        if (st.stage().equals("ingest")
            && "reference".equals(st.implementation())
            && spec.acquisition() == null) {
          errors.add(
              "acquisition",
              "is required: the reference ingest reads the microscope's acquisition folder");
        }
      }
    };
  }

  /** The declaration of the reference ingest's parameters. */
  public static final class Declared implements StepParameters {
    @Override
    public List<Declaration> declarations() {
      return List.of(new Declaration("reference", "ingest", "ingest", PARAMS));
    }
  }
}
