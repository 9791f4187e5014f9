package org.connectome.acquisition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves re-imaged tiles: when the same mFoV and beam of a section appear more than once, the
 * newest timestamp wins and the others are superseded. A line repeating the very same file (same
 * timestamp) is a duplicate, not a re-imaged tile.
 */
public final class TileResolver {
  private TileResolver() {}

  /**
   * @param tiles one line per (mFoV, beam), sorted by mFoV then beam
   * @param superseded older acquisitions of re-imaged tiles
   */
  public record Resolved(
      List<CoordinateLine> tiles, List<CoordinateLine> superseded, List<Duplicate> duplicates) {}

  /**
   * A line naming the very file an earlier line names (same mFoV, beam and timestamp).
   *
   * @param line the repeated line
   * @param first the line number that names the file first
   */
  public record Duplicate(CoordinateLine line, int first) {}

  public static Resolved resolve(List<CoordinateLine> lines) {
    Map<Long, CoordinateLine> newest = new LinkedHashMap<>();
    List<CoordinateLine> superseded = new ArrayList<>();
    List<Duplicate> duplicates = new ArrayList<>();
    Map<String, Integer> seen = new java.util.HashMap<>();
    for (CoordinateLine l : lines) {
      String file = l.name().mfov() + "/" + l.name().beam() + "/" + l.name().timestamp();
      Integer first = seen.putIfAbsent(file, l.line());
      if (first != null) {
        duplicates.add(new Duplicate(l, first));
        continue;
      }
      long key = ((long) l.name().mfov() << 20) | l.name().beam();
      CoordinateLine prev = newest.get(key);
      if (prev == null) {
        newest.put(key, l);
      } else if (l.name().timestamp().compareTo(prev.name().timestamp()) > 0) {
        superseded.add(prev);
        newest.put(key, l);
      } else {
        superseded.add(l);
      }
    }
    List<CoordinateLine> tiles = new ArrayList<>(newest.values());
    tiles.sort(
        Comparator.comparingInt((CoordinateLine l) -> l.name().mfov())
            .thenComparingInt(l -> l.name().beam()));
    superseded.sort(Comparator.comparingInt(CoordinateLine::line));
    return new Resolved(tiles, superseded, duplicates);
  }
}
