package org.connectome.workflows;

import java.time.Duration;

/**
 * Knobs of the workflows themselves (not of the science): when a step continues as new, how fast a
 * lost worker is noticed. Null fields take the defaults.
 *
 * @param historyEventCap a step workflow continues as new once its history has this many events,
 *     even if the server does not suggest it yet
 * @param shardHeartbeatTimeout a shard whose worker sends no heartbeat for this long is retried
 *     elsewhere
 */
public record WorkflowTuning(Integer historyEventCap, Duration shardHeartbeatTimeout) {
  public static final int DEFAULT_HISTORY_EVENT_CAP = 2_500;
  public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofMinutes(2);

  public static WorkflowTuning defaults() {
    return new WorkflowTuning(null, null);
  }

  public int eventCap() {
    return historyEventCap == null ? DEFAULT_HISTORY_EVENT_CAP : historyEventCap;
  }

  public Duration heartbeatTimeout() {
    return shardHeartbeatTimeout == null ? DEFAULT_HEARTBEAT_TIMEOUT : shardHeartbeatTimeout;
  }
}
