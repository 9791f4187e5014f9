package org.connectome.workflows.step;

import org.connectome.activities.planning.StreamSource;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.WorkflowTuning;

/**
 * @param spec the run's spec (for planning)
 * @param step the step to run
 * @param tuning workflow knobs
 * @param carry state carried over by continue-as-new, null on the first execution
 * @param paused whether the step starts paused
 * @param stream where the step's units come from while it runs (live acquisition, a running
 *     upstream step), or null for an ordinary step whose inputs are all there
 */
public record StepInput(
    RunSpec spec,
    StepConfig step,
    WorkflowTuning tuning,
    StepCarry carry,
    boolean paused,
    StreamSource stream) {}
