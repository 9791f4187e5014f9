package org.connectome.spec;

/**
 * A stage's quality-control gate: a figure the stage measures (per unit, as its code publishes it)
 * and the bound it must keep. When the stage finishes and its worst unit misses the bound, the run
 * is held for review: paused, a notification sent, shown by {@code status}, until an operator
 * approves ({@code connectome approve RUN}) or cancels it.
 *
 * @param stage the stage whose figure is checked, once that stage is done
 * @param figure the figure's name, for example {@code residualP95Px} (align) or {@code
 *     quarantinedTileShare} (ingest)
 * @param max the largest value allowed, or null
 * @param min the smallest value allowed, or null
 */
public record QcGateSpec(String stage, String figure, Double max, Double min) {
  /** The bound in words: {@code residualP95Px <= 2.0}. */
  public String bound() {
    StringBuilder b = new StringBuilder();
    if (min != null) {
      b.append(figure).append(" >= ").append(min);
    }
    if (max != null) {
      b.append(b.length() > 0 ? " and " : "").append(figure).append(" <= ").append(max);
    }
    return b.toString();
  }
}
