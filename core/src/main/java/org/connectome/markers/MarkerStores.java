package org.connectome.markers;

import org.connectome.layout.StepLayout;

/** Where the markers of each step are kept. */
@FunctionalInterface
public interface MarkerStores {
  CompletionMarkers forStep(StepLayout step);

  /** Files in the step's {@code markers/} folder: what runs use. */
  static MarkerStores files() {
    return step -> new MarkerStore(step.markersDir(), step.runDir());
  }
}
