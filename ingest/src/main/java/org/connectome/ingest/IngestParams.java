package org.connectome.ingest;

import java.util.Map;
import org.connectome.spec.SpecCheck;
import org.connectome.spec.SpecErrors;

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
 */
public record IngestParams(
    Integer maxBadTiles,
    double maxBadTileFraction,
    int chunkSize,
    boolean verifyChecksums,
    int tileWidth,
    int tileHeight) {

  public static IngestParams of(Map<String, Object> p) {
    return new IngestParams(
        p.get("maxBadTiles") instanceof Number n ? n.intValue() : null,
        p.get("maxBadTileFraction") instanceof Number n ? n.doubleValue() : 0.02,
        p.get("chunkSize") instanceof Number n ? n.intValue() : 200,
        !(p.get("verifyChecksums") instanceof Boolean b) || b,
        p.get("tileWidth") instanceof Number n ? n.intValue() : 0,
        p.get("tileHeight") instanceof Number n ? n.intValue() : 0);
  }

  /** Bad tiles allowed in a section listing {@code tiles} tiles. */
  public int allowance(int tiles) {
    return maxBadTiles != null ? maxBadTiles : (int) Math.floor(maxBadTileFraction * tiles);
  }

  /** Checks the parameters of every reference ingest stage. */
  public static SpecCheck check() {
    return (spec, errors) -> {
      for (int i = 0; i < spec.stages().size(); i++) {
        var st = spec.stages().get(i);
        if (st.stage().equals("ingest") && "reference".equals(st.implementation())) {
          String path = "stages[" + i + "].params";
          check(st.params(), path, errors);
          if (spec.acquisition() == null) {
            errors.add(
                "acquisition",
                "is required: the reference ingest reads the microscope's acquisition folder");
          }
        }
      }
    };
  }

  private static void check(Map<String, Object> p, String path, SpecErrors errors) {
    for (String k : new String[] {"maxBadTiles", "tileWidth", "tileHeight"}) {
      if (p.containsKey(k) && !(p.get(k) instanceof Integer n && n >= 0)) {
        errors.add(path + "." + k, "must be an integer >= 0");
      }
    }
    if (p.containsKey("chunkSize") && !(p.get("chunkSize") instanceof Integer n && n > 0)) {
      errors.add(path + ".chunkSize", "must be an integer > 0");
    }
    if (p.containsKey("maxBadTileFraction")
        && !(p.get("maxBadTileFraction") instanceof Number n
            && n.doubleValue() >= 0
            && n.doubleValue() <= 1)) {
      errors.add(path + ".maxBadTileFraction", "must be a number from 0 to 1");
    }
    if (p.containsKey("verifyChecksums") && !(p.get("verifyChecksums") instanceof Boolean)) {
      errors.add(path + ".verifyChecksums", "must be true or false");
    }
  }
}
