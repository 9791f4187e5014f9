package org.connectome.workflows.samplerun;

import org.connectome.spec.RunSpec;
import org.connectome.workflows.WorkflowTuning;

/**
 * @param spec the run's specification, loaded and validated
 * @param relaunch 0 for a first launch, n for the n-th relaunch by {@code resume}
 * @param tuning workflow knobs, or null for the defaults
 */
public record SampleRunInput(RunSpec spec, int relaunch, WorkflowTuning tuning) {}
