package org.connectome.notify;

import java.util.Locale;
import org.connectome.activities.recording.RecordRunInput;
import org.connectome.activities.recording.RecordStageInput;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.StageState;

/** The events a webhook can ask for (a spec's {@code notifications.webhooks[].events}). */
public enum NotifyEvent {
  RUN_FINISHED,
  RUN_FAILED,
  RUN_CANCELLED,
  STAGE_FAILED,
  STAGE_RESUMED,
  /** A stage missed a quality-control gate and the run waits for review. */
  RUN_HELD;

  /** The name in run specs: {@code run_finished}, ... */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The event a recorded run transition is, or null when it is none of these (started, paused,
   * ...).
   */
  public static NotifyEvent of(RecordRunInput in) {
    if (in.event() == null) {
      return null;
    }
    return switch (in.event()) {
      case RUN_FINISHED -> RUN_FINISHED;
      case RUN_FAILED -> RUN_FAILED;
      case RUN_CANCELLED -> RUN_CANCELLED;
      case RUN_HELD -> RUN_HELD;
      default -> null;
    };
  }

  /**
   * The event a recorded stage transition is, or null. A stage that fails and waits to resume is
   * {@code stage_failed} too; a stage cancelled with its run is not (the run's {@code
   * run_cancelled} says it).
   */
  public static NotifyEvent of(RecordStageInput in) {
    if (in.event() == EventKind.STAGE_RESUMED) {
      return STAGE_RESUMED;
    }
    if (in.event() == EventKind.STAGE_FAILED && in.state() != StageState.CANCELLED) {
      return STAGE_FAILED;
    }
    return null;
  }

  /** The event named {@code id} ({@code stage_failed}), or null. */
  public static NotifyEvent byId(String id) {
    for (NotifyEvent e : values()) {
      if (e.id().equalsIgnoreCase(id == null ? "" : id.trim())) {
        return e;
      }
    }
    return null;
  }
}
