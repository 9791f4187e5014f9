package org.connectome.workflows;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;
import org.connectome.pipeline.StepConfig;

/**
 * The one place that sets the workflows' activity timeouts and retries, from the tuning.
 *
 * @param recording longest catalog write (events, states)
 * @param planning longest planning or summary of a step (it scans markers)
 * @param shardMargin time a shard gets beyond its step's timeout: the executor enforces the timeout
 *     itself and reports timed-out tasks, the margin lets it stop them and answer first
 * @param shardHeartbeat a shard whose worker sends no heartbeat for this long is retried elsewhere
 */
public record ActivityTimeouts(
    Duration recording, Duration planning, Duration shardMargin, Duration shardHeartbeat) {

  public static ActivityTimeouts of(WorkflowTuning tuning) {
    WorkflowTuning t = tuning == null ? WorkflowTuning.defaults() : tuning;
    return new ActivityTimeouts(
        Duration.ofSeconds(30),
        Duration.ofMinutes(30),
        Duration.ofMinutes(5),
        t.heartbeatTimeout());
  }

  public ActivityOptions recordingOptions() {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(recording)
        .setRetryOptions(RetryOptions.newBuilder().setMaximumInterval(recording).build())
        .build();
  }

  public ActivityOptions planningOptions() {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(planning)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setMaximumInterval(Duration.ofMinutes(1))
                .setMaximumAttempts(10)
                .setDoNotRetry("PlanningFailed")
                .build())
        .build();
  }

  /** A step's shards: on its task queue, within its timeout, heartbeating. */
  public ActivityOptions shardOptions(StepConfig step) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(step.taskQueue())
        .setStartToCloseTimeout(step.timeout().plus(shardMargin))
        .setHeartbeatTimeout(shardHeartbeat)
        .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(2))
                .setMaximumInterval(Duration.ofMinutes(1))
                .setMaximumAttempts(8)
                .setDoNotRetry("StaleStepDefinition")
                .build())
        .build();
  }
}
