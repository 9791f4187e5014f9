package org.connectome.activities.planning;

import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;

/**
 * @param spec the run's specification
 * @param step the step to plan
 */
public record PlanStepInput(RunSpec spec, StepConfig step) {}
