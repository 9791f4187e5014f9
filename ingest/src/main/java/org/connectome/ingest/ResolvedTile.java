package org.connectome.ingest;

import org.connectome.acquisition.CoordinateLine;

/**
 * A tile to ingest after re-imaged duplicates were resolved: one per (mFoV, beam).
 *
 * @param line line of the coordinate file
 * @param mfov mFoV
 * @param beam beam
 * @param path path relative to the section folder, forward slashes
 * @param x stage x in pixels
 * @param y stage y in pixels
 * @param z stage z
 * @param timestamp acquisition timestamp from the file name
 */
public record ResolvedTile(
    int line, int mfov, int beam, String path, double x, double y, double z, String timestamp) {

  static ResolvedTile of(CoordinateLine l) {
    return new ResolvedTile(
        l.line(),
        l.name().mfov(),
        l.name().beam(),
        l.relativePath(),
        l.x(),
        l.y(),
        l.z(),
        l.name().timestamp());
  }

  /** One TAB-separated line of the resolved list the tiles step reads. */
  String toTsv() {
    return line + "\t" + mfov + "\t" + beam + "\t" + path + "\t" + x + "\t" + y + "\t" + z + "\t"
        + timestamp;
  }

  static ResolvedTile fromTsv(String s) {
    String[] c = s.split("\t");
    return new ResolvedTile(
        Integer.parseInt(c[0]),
        Integer.parseInt(c[1]),
        Integer.parseInt(c[2]),
        c[3],
        Double.parseDouble(c[4]),
        Double.parseDouble(c[5]),
        Double.parseDouble(c[6]),
        c[7]);
  }
}
