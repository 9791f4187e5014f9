package org.connectome.activities.qc;

import java.util.List;

/**
 * @param missed one line per gate missed, naming the figure, its worst value, the unit and the
 *     bound; empty when every gate holds
 */
public record QcCheckResult(List<String> missed) {
  public QcCheckResult {
    missed = List.copyOf(missed);
  }
}
