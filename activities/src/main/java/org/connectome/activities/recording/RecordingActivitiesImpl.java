package org.connectome.activities.recording;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInfo;
import java.time.Clock;
import java.util.UUID;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.NewRun;
import org.connectome.catalog.RunEvent;
import org.connectome.catalog.RunState;
import org.connectome.catalog.StageState;
import org.connectome.catalog.StepState;
import org.connectome.pipeline.Json;
import org.connectome.spec.RunSpecLoader;

/**
 * Catalog writes for the workflows. Each is idempotent enough to be retried: states are set, not
 * toggled, and a run's or stage's event is written with its notifications, which a retried
 * recording does not write twice.
 */
public final class RecordingActivitiesImpl implements RecordingActivities {
  private final Catalog catalog;
  private final Clock clock;
  private final TransitionNotifications notifications;

  public RecordingActivitiesImpl(
      Catalog catalog, Clock clock, TransitionNotifications notifications) {
    this.catalog = catalog;
    this.clock = clock;
    this.notifications = notifications;
  }

  public RecordingActivitiesImpl(Catalog catalog) {
    this(catalog, Clock.systemUTC(), TransitionNotifications.NONE);
  }

  @Override
  public Recorded recordRun(RecordRunInput in) {
    if (in.spec() != null) {
      String json = RunSpecLoader.toJson(in.spec());
      catalog
          .runs()
          .register(
              new NewRun(
                  in.runId(),
                  in.spec().sample(),
                  in.spec().run(),
                  json,
                  Json.hash(in.spec(), 16),
                  in.workflowId()));
    }
    catalog
        .runs()
        .updateState(in.runId(), in.state(), in.state() == RunState.FAILED ? in.message() : null);
    if (in.event() != null) {
      RunEvent e = new RunEvent(0, in.runId(), null, null, in.event(), in.message(), null);
      notifications.queued(catalog.events().record(e, notifications.forRun(in, transition())));
    }
    return new Recorded(clock.instant());
  }

  @Override
  public Recorded recordStage(RecordStageInput in) {
    catalog
        .progress()
        .upsertStage(
            in.runId(),
            in.stage(),
            in.ordinal(),
            in.state(),
            in.state() == StageState.FAILED || in.state() == StageState.WAITING_TO_RESUME
                ? in.message()
                : null);
    if (in.resumed()) {
      catalog.progress().incrementStageResumes(in.runId(), in.stage());
    }
    if (in.event() != null) {
      RunEvent e = new RunEvent(0, in.runId(), in.stage(), null, in.event(), in.message(), null);
      notifications.queued(catalog.events().record(e, notifications.forStage(in, transition())));
    }
    return new Recorded(clock.instant());
  }

  @Override
  public Recorded recordStep(RecordStepInput in) {
    catalog
        .progress()
        .updateStepState(
            in.runId(),
            in.stage(),
            in.step(),
            in.state(),
            in.state() == StepState.FAILED || in.state() == StepState.DONE_WITH_FAILURES
                ? in.message()
                : null);
    if (in.event() != null) {
      catalog
          .events()
          .record(
              new RunEvent(0, in.runId(), in.stage(), in.step(), in.event(), in.message(), null));
    }
    return new Recorded(clock.instant());
  }

  /**
   * This recording's identity: its activity's workflow, run and activity id, which a retry of the
   * activity keeps; a fresh one when called outside an activity.
   */
  static String transition() {
    try {
      ActivityInfo a = Activity.getExecutionContext().getInfo();
      return a.getWorkflowId() + "/" + a.getRunId() + "/" + a.getActivityId();
    } catch (IllegalStateException notInAnActivity) {
      return UUID.randomUUID().toString();
    }
  }
}
