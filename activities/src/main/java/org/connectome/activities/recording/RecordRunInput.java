package org.connectome.activities.recording;

import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunState;
import org.connectome.spec.RunSpec;

/**
 * @param runId {@code sample/run}
 * @param spec the run's spec when the run is to be registered (at start), else null
 * @param workflowId the run's workflow ID, with the spec
 * @param state the run's new state
 * @param event the event to record
 * @param message the event's text (error summary for failures)
 */
public record RecordRunInput(
    String runId,
    RunSpec spec,
    String workflowId,
    RunState state,
    EventKind event,
    String message) {}
