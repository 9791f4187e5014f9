package org.connectome.activities.recording;

import org.connectome.catalog.EventKind;
import org.connectome.catalog.StageState;

/**
 * @param runId {@code sample/run}
 * @param sample sample id (metric label)
 * @param stage stage id
 * @param ordinal position of the stage in the run
 * @param state the stage's new state
 * @param event the event to record, or null
 * @param message the event's text
 * @param resumed whether this transition is an automatic resume (counted per stage)
 */
public record RecordStageInput(
    String runId,
    String sample,
    String stage,
    int ordinal,
    StageState state,
    EventKind event,
    String message,
    boolean resumed) {}
