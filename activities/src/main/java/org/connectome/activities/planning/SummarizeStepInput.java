package org.connectome.activities.planning;

import org.connectome.activities.RunLocation;
import org.connectome.pipeline.StepConfig;

/**
 * @param run where the run's data is
 * @param step the step
 * @param unitCount units in the step, as planned
 */
public record SummarizeStepInput(RunLocation run, StepConfig step, long unitCount) {}
