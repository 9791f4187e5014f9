package org.connectome.workflows.step;

import java.util.List;
import org.connectome.units.UnitRange;

/**
 * A streaming step's state carried over continue-as-new.
 *
 * @param waiting shards whose units are not ready yet
 * @param sourceComplete whether the source has delivered everything
 * @param startedAtMillis when the step started waiting for its source (workflow time)
 */
public record StreamCarry(List<UnitRange> waiting, boolean sourceComplete, long startedAtMillis) {}
