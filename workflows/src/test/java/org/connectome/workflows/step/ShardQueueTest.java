package org.connectome.workflows.step;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.Test;

class ShardQueueTest {
  private static UnitRange r(long from, long to) {
    return new UnitRange(from, to);
  }

  @Test
  void shardsAreTakenInOrderOneAtATimeFromRanges() {
    ShardQueue q = new ShardQueue(List.of(r(0, 3), r(10, 11)), List.of());
    List<Long> taken = new ArrayList<>();
    while (q.hasPending()) {
      taken.add(q.next());
    }
    assertEquals(List.of(0L, 1L, 2L, 10L), taken);
    assertTrue(q.isDrained());
  }

  @Test
  void readyShardsMoveFromWaitingToPendingAndTheRestKeepsWaiting() {
    ShardQueue q = new ShardQueue(List.of(), List.of(r(0, 10)));
    assertFalse(q.hasPending());
    q.release(List.of(r(2, 4), r(7, 8)));
    assertEquals(List.of(r(2, 4), r(7, 8)), q.pending());
    assertEquals(List.of(r(0, 2), r(4, 7), r(8, 10)), q.waiting());
    assertEquals(3, q.pendingShards());
    q.releaseAll();
    assertEquals(List.of(r(0, 10)), q.pending(), "all of it, merged");
    assertFalse(q.hasWaiting());
  }

  @Test
  void requeuedShardsMergeWithPendingOnes() {
    ShardQueue q = new ShardQueue(List.of(r(5, 7)), List.of());
    q.requeue(List.of(r(0, 2), r(6, 9)));
    assertEquals(List.of(r(0, 2), r(5, 9)), q.pending());
  }

  @Test
  void droppedWaitingShardsAreReturnedOnce() {
    ShardQueue q = new ShardQueue(List.of(r(0, 1)), List.of(r(3, 5)));
    assertEquals(List.of(r(3, 5)), q.dropWaiting());
    assertEquals(List.of(), q.dropWaiting());
    assertFalse(q.isDrained(), "pending shards are left");
  }

  @Test
  void subtractCutsARangeOutOfEveryOverlappingOne() {
    assertEquals(
        List.of(r(0, 2), r(5, 6), r(8, 9)),
        ShardQueue.subtract(List.of(r(0, 3), r(3, 6), r(8, 9)), r(2, 5)));
  }
}
