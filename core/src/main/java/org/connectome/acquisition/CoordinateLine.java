package org.connectome.acquisition;

import org.connectome.imaging.MultiSem.TileName;

/**
 * One line of a coordinate file.
 *
 * @param line 1-based line number
 * @param path the tile's path relative to the section folder, as written (backslashes)
 * @param x stage x in pixels, as the microscope reports it
 * @param y stage y in pixels
 * @param z stage z
 * @param name the parsed file name
 */
public record CoordinateLine(int line, String path, double x, double y, double z, TileName name) {
  /** The path with forward slashes, to resolve against the section folder. */
  public String relativePath() {
    return path.replace('\\', '/');
  }
}
