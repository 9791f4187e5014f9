package org.connectome.workflows.step;

import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.connectome.activities.FailedUnits;
import org.connectome.activities.RunLocation;
import org.connectome.activities.planning.PlanningActivities;
import org.connectome.activities.planning.ReadyShardsInput;
import org.connectome.activities.planning.ReadyShardsOutput;
import org.connectome.activities.planning.StreamSource;
import org.connectome.pipeline.StepConfig;
import org.connectome.units.Grouping;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;

/**
 * Where a streaming step's units come from while it runs (a live acquisition, or a step still
 * running upstream): it asks at most once per poll interval which waiting shards are ready and
 * releases them into the {@link ShardQueue}. Workflow code (it calls an activity).
 */
final class StreamingSource {
  private final StreamSource stream;
  private boolean complete;
  private boolean upstreamFinished;
  private final long startedAtMillis;
  private long nextPollMillis;
  private String waitingFor;

  private StreamingSource(StreamSource stream, boolean complete, long startedAtMillis) {
    this.stream = stream;
    this.complete = complete;
    this.startedAtMillis = startedAtMillis;
  }

  static StreamingSource starting(StreamSource stream) {
    return new StreamingSource(stream, false, Workflow.currentTimeMillis());
  }

  /** The stream as the previous execution left it, or null when it had finished. */
  static StreamingSource resumed(StreamSource stream, StreamCarry carry) {
    return new StreamingSource(stream, carry.sourceComplete(), carry.startedAtMillis());
  }

  boolean complete() {
    return complete;
  }

  boolean upstreamFinished() {
    return upstreamFinished;
  }

  /** The upstream step has finished: every unit may go. */
  void markUpstreamFinished() {
    upstreamFinished = true;
  }

  Duration pollInterval() {
    return stream.pollInterval();
  }

  StreamSource stream() {
    return stream;
  }

  StreamCarry carry(ShardQueue queue) {
    return new StreamCarry(queue.waiting(), complete, startedAtMillis);
  }

  /**
   * Releases the shards whose units are ready; when the source is finished, all of them. A live
   * acquisition that has not delivered every expected section within its timeout gives up on the
   * rest: they come back as failures.
   */
  List<FailedUnits> poll(
      ShardQueue queue,
      PlanningActivities planning,
      RunLocation location,
      StepConfig step,
      String acquisition,
      long unitCount,
      Grouping grouping) {
    if (upstreamFinished) {
      queue.releaseAll();
      complete = true;
      return List.of();
    }
    long now = Workflow.currentTimeMillis();
    if (now < nextPollMillis || !queue.hasWaiting()) {
      if (!queue.hasWaiting()) {
        complete = true;
      }
      return List.of();
    }
    nextPollMillis = now + stream.pollInterval().toMillis();
    ReadyShardsOutput ready =
        planning.readyShards(
            new ReadyShardsInput(
                location,
                step,
                stream,
                acquisition,
                unitCount,
                Ranges.coarsen(queue.waiting(), 200)));
    waitingFor = ready.waitingFor();
    if (ready.sourceComplete()) {
      queue.releaseAll();
      complete = true;
      return List.of();
    }
    queue.release(ready.ready());
    List<FailedUnits> givenUp = new ArrayList<>();
    if (StreamSource.ACQUISITION.equals(stream.kind())
        && now - startedAtMillis > stream.timeout().toMillis()
        && queue.hasWaiting()) {
      for (UnitRange shards : queue.dropWaiting()) {
        UnitRange units =
            new UnitRange(
                grouping.unitsOfShard(shards.from()).from(),
                grouping.unitsOfShard(shards.to() - 1).to());
        givenUp.add(
            FailedUnits.of(
                units,
                "not complete in the acquisition after "
                    + stream.timeout()
                    + (waitingFor == null ? "" : ": " + waitingFor),
                true));
      }
      complete = true;
    }
    return givenUp;
  }
}
