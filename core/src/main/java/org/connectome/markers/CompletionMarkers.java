package org.connectome.markers;

import java.io.IOException;
import java.util.BitSet;
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
   * Units of {@code range} with a valid marker: bit {@code i} stands for unit {@code range.from() +
   * i}.
   */
  BitSet scan(UnitRange range, String paramsHash) throws IOException;

  default long countDone(UnitRange range, String paramsHash) throws IOException {
    return scan(range, paramsHash).cardinality();
  }
}
