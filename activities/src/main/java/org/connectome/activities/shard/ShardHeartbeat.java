package org.connectome.activities.shard;

/**
 * Progress a running shard reports with each heartbeat.
 *
 * @param tasksFinished tasks finished
 * @param tasksTotal tasks to run
 * @param unitsDone units of the shard with a valid marker
 */
public record ShardHeartbeat(long tasksFinished, long tasksTotal, long unitsDone) {}
