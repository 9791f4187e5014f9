package org.connectome.workflows.step;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;

/**
 * The shards of a step not dispatched yet, as index ranges: those ready to run ({@code pending})
 * and those whose inputs are not there yet ({@code waiting}, streaming steps only). Pure and
 * deterministic, so workflow code can hold it; it never holds one entry per shard.
 */
final class ShardQueue {
  private final Deque<UnitRange> pending = new ArrayDeque<>();
  private final Deque<UnitRange> waiting = new ArrayDeque<>();

  ShardQueue(List<UnitRange> pending, List<UnitRange> waiting) {
    this.pending.addAll(pending);
    this.waiting.addAll(waiting);
  }

  boolean hasPending() {
    return !pending.isEmpty();
  }

  boolean hasWaiting() {
    return !waiting.isEmpty();
  }

  /** Nothing left to dispatch, now or later. */
  boolean isDrained() {
    return pending.isEmpty() && waiting.isEmpty();
  }

  /** Takes the first pending shard. */
  long next() {
    UnitRange r = pending.pollFirst();
    if (r.size() > 1) {
      pending.addFirst(new UnitRange(r.from() + 1, r.to()));
    }
    return r.from();
  }

  /** Shards whose inputs became ready move from waiting to pending. */
  void release(List<UnitRange> ready) {
    List<UnitRange> remaining = new ArrayList<>(waiting);
    for (UnitRange r : ready) {
      pending.add(r);
      remaining = subtract(remaining, r);
    }
    waiting.clear();
    waiting.addAll(remaining);
  }

  /** The source is complete: every waiting shard is ready. */
  void releaseAll() {
    pending.addAll(waiting);
    replacePending(Ranges.normalize(List.copyOf(pending)));
    waiting.clear();
  }

  /** Removes and returns the waiting shards (their source gave up on them). */
  List<UnitRange> dropWaiting() {
    List<UnitRange> out = List.copyOf(waiting);
    waiting.clear();
    return out;
  }

  /** Adds shards to run again (merged with what is pending). */
  void requeue(List<UnitRange> shards) {
    List<UnitRange> all = new ArrayList<>(pending);
    all.addAll(shards);
    replacePending(Ranges.normalize(all));
  }

  List<UnitRange> pending() {
    return List.copyOf(pending);
  }

  List<UnitRange> waiting() {
    return List.copyOf(waiting);
  }

  long pendingShards() {
    return Ranges.count(List.copyOf(pending));
  }

  private void replacePending(List<UnitRange> ranges) {
    pending.clear();
    pending.addAll(ranges);
  }

  static List<UnitRange> subtract(List<UnitRange> from, UnitRange cut) {
    List<UnitRange> out = new ArrayList<>();
    for (UnitRange r : from) {
      if (!r.overlaps(cut)) {
        out.add(r);
        continue;
      }
      if (r.from() < cut.from()) {
        out.add(new UnitRange(r.from(), cut.from()));
      }
      if (cut.to() < r.to()) {
        out.add(new UnitRange(cut.to(), r.to()));
      }
    }
    return out;
  }
}
