package org.connectome.workflows.samplerun;

import java.util.List;

/**
 * @param runId {@code sample/run}
 * @param state RUNNING, PAUSED, DONE, FAILED or CANCELLED
 * @param currentStage the stage running now, or null
 * @param currentStep the step running now, or null
 * @param stepWorkflowId the running step's workflow ID (query it for unit counts), or null
 * @param stages every stage's outcome so far
 */
public record RunProgress(
    String runId,
    String state,
    String currentStage,
    String currentStep,
    String stepWorkflowId,
    List<StageOutcome> stages) {}
