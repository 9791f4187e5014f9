package org.connectome.activities.planning;

import java.util.List;
import org.connectome.activities.RunLocation;
import org.connectome.pipeline.StepConfig;
import org.connectome.units.UnitRange;

/**
 * @param run where the run's data is
 * @param step the streaming step
 * @param source where its units come from
 * @param acquisition the acquisition folder
 * @param unitCount units in the step
 * @param candidates shards not yet dispatched (ranges)
 */
public record ReadyShardsInput(
    RunLocation run,
    StepConfig step,
    StreamSource source,
    String acquisition,
    long unitCount,
    List<UnitRange> candidates) {}
