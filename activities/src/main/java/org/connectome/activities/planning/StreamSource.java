package org.connectome.activities.planning;

import java.time.Duration;

/**
 * Where a streaming step's units come from while the step runs: the microscope still writing the
 * acquisition ({@link #ACQUISITION}: unit i is ready once section i is complete on disk), or an
 * upstream step still running ({@link #STEP}: unit i is ready once the upstream step's unit i has
 * its marker).
 *
 * @param kind {@link #ACQUISITION} or {@link #STEP}
 * @param upstreamStage the upstream step's stage, for {@link #STEP}
 * @param upstreamStep the upstream step's name
 * @param upstreamParamsHash the upstream step's parameters hash
 * @param pollInterval how often to look for ready units
 * @param settleTime for {@link #ACQUISITION}: how long a section must be unchanged
 * @param timeout for {@link #ACQUISITION}: how long to wait for all sections
 */
public record StreamSource(
    String kind,
    String upstreamStage,
    String upstreamStep,
    String upstreamParamsHash,
    Duration pollInterval,
    Duration settleTime,
    Duration timeout) {
  public static final String ACQUISITION = "acquisition";
  public static final String STEP = "step";
}
