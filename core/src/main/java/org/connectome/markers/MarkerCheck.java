package org.connectome.markers;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.connectome.units.UnitRange;

/**
 * What a check of a range of units found: the units done (a marker that holds up) and those whose
 * marker does not.
 *
 * @param range the units checked
 * @param done bit {@code i} for unit {@code range.from() + i}
 * @param invalid units with a marker that does not hold up, in unit order; not in {@code done}
 */
public record MarkerCheck(UnitRange range, BitSet done, List<InvalidUnit> invalid) {
  public MarkerCheck {
    invalid = List.copyOf(invalid);
  }

  /** How deep a check looks. */
  public enum Depth {
    /**
     * Markers parse and name their unit and hash; every output they list exists with its size. A
     * marker read and one {@code stat} per output: what every relaunch, resume and retry does.
     */
    SIZES,
    /** As {@link #SIZES}, and every output's content has its checksum: reads every byte. */
    CHECKSUMS
  }

  /**
   * One line for events: {@code 3 units of align.render redone: output missing
   * (volumes/aligned/...: no such file, and 2 more)}; null when nothing is invalid.
   *
   * @param what what is done about them ({@code redone}, {@code failed verification})
   */
  public String summary(String qualifiedStep, String what) {
    if (invalid.isEmpty()) {
      return null;
    }
    Map<MarkerProblem, List<InvalidUnit>> byProblem = new TreeMap<>();
    for (InvalidUnit u : invalid) {
      byProblem.computeIfAbsent(u.problem(), k -> new ArrayList<>()).add(u);
    }
    List<String> parts = new ArrayList<>();
    for (var e : byProblem.entrySet()) {
      InvalidUnit first = e.getValue().get(0);
      int more = e.getValue().size() - 1;
      parts.add(
          e.getKey().words()
              + " ("
              + "unit "
              + first.unit()
              + ": "
              + first.detail()
              + (more > 0 ? "; and " + more + " more" : "")
              + ")");
    }
    return invalid.size()
        + (invalid.size() == 1 ? " unit of " : " units of ")
        + qualifiedStep
        + " "
        + what
        + ": "
        + String.join("; ", parts);
  }
}
