package org.connectome.workflows.step;

import java.util.ArrayList;
import java.util.List;
import org.connectome.units.Grouping;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;

/**
 * Which shards of a step planned in rounds may run now: those of the lowest round that has shards
 * left; the later rounds' shards are held until it is done. Pure and deterministic, so workflow
 * code can hold it; it keeps ranges, never one entry per shard.
 */
final class RoundGate {
  private final List<UnitRange> rounds;
  private List<UnitRange> held = List.of();

  private RoundGate(List<UnitRange> rounds) {
    this.rounds = List.copyOf(rounds);
  }

  /** The gate of {@code grouping}, or null when the step runs in one round. */
  static RoundGate of(Grouping grouping) {
    if (grouping.roundCount() < 2) {
      return null;
    }
    List<UnitRange> rounds = new ArrayList<>();
    for (int r = 0; r < grouping.roundCount(); r++) {
      rounds.add(grouping.shardsOfRound(r));
    }
    return new RoundGate(rounds);
  }

  /**
   * Takes {@code shards} to run: returns those of the lowest round among them and the shards held
   * before, and holds the rest.
   */
  List<UnitRange> admit(List<UnitRange> shards) {
    List<UnitRange> all = new ArrayList<>(held);
    all.addAll(shards);
    all = Ranges.normalize(all);
    for (UnitRange round : rounds) {
      List<UnitRange> now = new ArrayList<>();
      List<UnitRange> later = new ArrayList<>();
      for (UnitRange r : all) {
        UnitRange in = r.intersect(round);
        if (!in.isEmpty()) {
          now.add(in);
        }
        for (UnitRange rest : ShardQueue.subtract(List.of(r), round)) {
          if (rest.from() >= round.to()) {
            later.add(rest);
          }
        }
      }
      if (!now.isEmpty()) {
        held = Ranges.normalize(later);
        return Ranges.normalize(now);
      }
    }
    held = List.of();
    return List.of();
  }

  /** The next round's shards: the round before it is done. */
  List<UnitRange> releaseNext() {
    return admit(List.of());
  }

  boolean hasHeld() {
    return !held.isEmpty();
  }

  List<UnitRange> held() {
    return held;
  }

  /** Removes and returns the held shards (a round before them failed). */
  List<UnitRange> dropHeld() {
    List<UnitRange> out = held;
    held = List.of();
    return out;
  }
}
