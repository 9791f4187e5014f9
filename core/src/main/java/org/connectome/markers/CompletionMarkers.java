package org.connectome.markers;

import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import org.connectome.units.UnitRange;

/**
 * The completion markers of one step. {@link MarkerStore} keeps them as files beside the step's
 * outputs, which is what runs use; benchmarks of the orchestration alone keep them in memory.
 */
public interface CompletionMarkers {
  /** Records that a unit is finished; call only after its outputs are complete. */
  void write(CompletionMarker marker) throws IOException;

  /** Whether {@code unit} has a marker written under {@code paramsHash}. */
  boolean isDone(long unit, String paramsHash) throws IOException;

  /**
   * Units of {@code range} with a marker under {@code paramsHash}, by their names alone: bit {@code
   * i} stands for unit {@code range.from() + i}. Use {@link #check} where a unit would be skipped
   * because of its marker.
   */
  BitSet scan(UnitRange range, String paramsHash) throws IOException;

  default long countDone(UnitRange range, String paramsHash) throws IOException {
    return scan(range, paramsHash).cardinality();
  }

  /**
   * Units of {@code range} whose marker holds up: it parses, names its unit and hash, and the
   * outputs it lists are there as {@code depth} requires. Markers kept in memory record no files:
   * they hold up as they are.
   */
  default MarkerCheck check(UnitRange range, String paramsHash, MarkerCheck.Depth depth)
      throws IOException {
    return new MarkerCheck(range, scan(range, paramsHash), List.of());
  }

  /**
   * Takes the marker of {@code unit} away, so that the unit counts as not done and runs again; a
   * unit without a marker is left as it is.
   *
   * @param keep whether the marker is kept aside for inspection (an invalid one) rather than
   *     deleted (a unit to redo)
   */
  void invalidate(long unit, String paramsHash, boolean keep) throws IOException;
}
