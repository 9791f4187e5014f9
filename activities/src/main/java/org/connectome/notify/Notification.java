package org.connectome.notify;

import java.time.Instant;

/**
 * One thing to tell people about.
 *
 * @param event what happened
 * @param runId {@code sample/run}
 * @param stage the stage, for stage events; else null
 * @param state the run's or stage's new state (DONE, FAILED, WAITING_TO_RESUME, ...)
 * @param message the recorded event's text: the error summary for failures
 * @param time when it was recorded
 */
public record Notification(
    NotifyEvent event, String runId, String stage, String state, String message, Instant time) {

  public String sample() {
    int slash = runId.indexOf('/');
    return slash < 0 ? runId : runId.substring(0, slash);
  }

  public String run() {
    int slash = runId.indexOf('/');
    return slash < 0 ? "" : runId.substring(slash + 1);
  }
}
