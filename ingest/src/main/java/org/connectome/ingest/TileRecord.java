package org.connectome.ingest;

/**
 * A validated tile, one row of the tile manifest.
 *
 * @param runId {@code sample/run}
 * @param sectionIndex ingest unit index
 * @param section section number
 * @param mfov mFoV
 * @param beam beam
 * @param path absolute path of the tile
 * @param acquired acquisition timestamp
 * @param x stage x in pixels
 * @param y stage y in pixels
 * @param z stage z
 * @param width width in pixels
 * @param height height in pixels
 * @param bytes file size
 * @param checksum CRC32C of the file, hex
 * @param thumbnail absolute path of the thumbnail, or null
 */
public record TileRecord(
    String runId,
    int sectionIndex,
    int section,
    int mfov,
    int beam,
    String path,
    String acquired,
    double x,
    double y,
    double z,
    int width,
    int height,
    long bytes,
    String checksum,
    String thumbnail) {}
