package org.connectome.activities.planning;

import java.util.List;
import org.connectome.units.UnitRange;

/**
 * @param ready candidate shards whose units are all ready
 * @param sourceComplete whether every unit of the step is ready (the source is finished)
 * @param waitingFor what the first shard not ready waits for, for people
 */
public record ReadyShardsOutput(List<UnitRange> ready, boolean sourceComplete, String waitingFor) {}
