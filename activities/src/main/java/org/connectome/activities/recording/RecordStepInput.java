package org.connectome.activities.recording;

import org.connectome.catalog.EventKind;
import org.connectome.catalog.StepState;

/**
 * @param runId {@code sample/run}
 * @param stage stage id
 * @param step step name
 * @param state the step's new state
 * @param event the event to record, or null
 * @param message the event's text
 */
public record RecordStepInput(
    String runId, String stage, String step, StepState state, EventKind event, String message) {}
