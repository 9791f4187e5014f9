package org.connectome.workflows.step;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.connectome.units.Grouping;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.Test;

class RoundGateTest {
  private static UnitRange r(long from, long to) {
    return new UnitRange(from, to);
  }

  /** Rounds of shards [0, 4), [4, 6), [6, 7): one unit per shard. */
  private static RoundGate gate() {
    return RoundGate.of(new Grouping(7, 1, 1, List.of(4L, 2L, 1L)));
  }

  @Test
  void aStepInOneRoundHasNoGate() {
    assertNull(RoundGate.of(new Grouping(7, 1, 1)));
    assertNull(RoundGate.of(new Grouping(7, 1, 1, List.of(7L))));
  }

  @Test
  void onlyTheLowestRoundWithShardsLeftIsAdmittedAndTheRestWaitsForIt() {
    RoundGate g = gate();
    assertEquals(List.of(r(0, 4)), g.admit(List.of(r(0, 7))));
    assertEquals(List.of(r(4, 7)), g.held());
    assertEquals(List.of(r(4, 6)), g.releaseNext());
    assertEquals(List.of(r(6, 7)), g.releaseNext());
    assertFalse(g.hasHeld());
    assertEquals(List.of(), g.releaseNext());
  }

  @Test
  void aResumedStepStartsAtItsFirstUnfinishedRound() {
    RoundGate g = gate();
    // round 0 done, one shard of round 1 left
    assertEquals(List.of(r(5, 6)), g.admit(List.of(r(5, 7))));
    assertEquals(List.of(r(6, 7)), g.held());
  }

  @Test
  void retriedShardsOfAnEarlierRoundGoFirstAndTheDroppedRoundsWaitAgain() {
    RoundGate g = gate();
    g.admit(List.of(r(0, 7)));
    assertEquals(List.of(r(4, 7)), g.dropHeld());
    assertTrue(g.held().isEmpty());
    // a retry of the failed shard 2 and of the rounds that were not run
    assertEquals(List.of(r(2, 3)), g.admit(List.of(r(2, 3), r(4, 7))));
    assertEquals(List.of(r(4, 7)), g.held());
  }
}
