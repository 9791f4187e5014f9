package org.connectome.units;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class GroupingTest {
  @Test
  void tasksAndShardsCoverEveryUnitExactlyOnce() {
    Grouping g = new Grouping(1_003, 10, 7);
    assertEquals(101, g.taskCount());
    assertEquals(15, g.shardCount());
    assertShardsCoverEveryUnitOnceInOrder(g);
    assertEquals(new UnitRange(1_000, 1_003), g.unitsOfTask(100));
    assertEquals(new UnitRange(1, 3), g.shardsOfUnits(new UnitRange(70, 150)));
  }

  /** Shard after shard, task after task, the units from 0 to the last, each mapped back. */
  static void assertShardsCoverEveryUnitOnceInOrder(Grouping g) {
    long next = 0;
    for (long s = 0; s < g.shardCount(); s++) {
      UnitRange units = g.unitsOfShard(s);
      assertEquals(next, units.from());
      next = units.to();
      UnitRange tasks = g.tasksOfShard(s);
      assertEquals(units, g.unitsOfTasks(tasks));
      for (long t = tasks.from(); t < tasks.to(); t++) {
        for (long u = g.unitsOfTask(t).from(); u < g.unitsOfTask(t).to(); u++) {
          assertEquals(t, g.taskOfUnit(u));
          assertEquals(s, g.shardOfUnit(u));
        }
      }
    }
    assertEquals(g.unitCount(), next);
  }

  @Test
  void roundsStartTheirOwnTasksAndShards() {
    // rounds of 5, 0 and 12 units; 2 units per task, 2 tasks per shard
    Grouping g = new Grouping(17, 2, 2, List.of(5L, 0L, 12L));
    assertEquals(3, g.roundCount());
    assertEquals(3 + 6, g.taskCount());
    assertEquals(2 + 3, g.shardCount());
    assertEquals(new UnitRange(0, 2), g.shardsOfRound(0));
    assertEquals(new UnitRange(2, 2), g.shardsOfRound(1));
    assertEquals(new UnitRange(2, 5), g.shardsOfRound(2));
    // the round's last task is short rather than reaching into the next round
    assertEquals(new UnitRange(4, 5), g.unitsOfTask(2));
    assertEquals(new UnitRange(5, 7), g.unitsOfTask(3));
    assertEquals(new UnitRange(4, 5), g.unitsOfShard(1));
    assertEquals(new UnitRange(5, 9), g.unitsOfShard(2));
    assertShardsCoverEveryUnitOnceInOrder(g);
    assertEquals(new UnitRange(1, 3), g.shardsOfUnits(new UnitRange(4, 6)));
    assertThrows(IllegalArgumentException.class, () -> new Grouping(16, 2, 2, List.of(5L, 12L)));
  }

  @Test
  void oneRoundIsTheGroupingWithoutRounds() {
    Grouping plain = new Grouping(1_003, 10, 7);
    Grouping one = new Grouping(1_003, 10, 7, List.of(1_003L));
    assertEquals(plain.shardCount(), one.shardCount());
    for (long s = 0; s < plain.shardCount(); s++) {
      assertEquals(plain.unitsOfShard(s), one.unitsOfShard(s));
    }
  }

  @Test
  void emptyStepHasNoTasks() {
    Grouping g = new Grouping(0, 4, 4);
    assertEquals(0, g.taskCount());
    assertEquals(0, g.shardCount());
    assertThrows(IndexOutOfBoundsException.class, () -> g.tasksOfShard(0));
  }

  @Test
  void rangesNormalizeParseFormatAndCoarsen() {
    List<UnitRange> r =
        Ranges.normalize(
            List.of(
                UnitRange.of(10, 12),
                UnitRange.of(0, 3),
                UnitRange.of(3, 5),
                UnitRange.of(11, 20),
                UnitRange.of(30, 30)));
    assertEquals(List.of(UnitRange.of(0, 5), UnitRange.of(10, 20)), r);
    assertEquals("0-4,10-19", Ranges.format(r));
    assertEquals(r, Ranges.parse("0-4,10-19"));
    assertEquals(List.of(UnitRange.single(7)), Ranges.parse("7"));
    assertEquals(15, Ranges.count(r));
    assertEquals(12, Ranges.nth(r, 7));
    assertEquals(List.of(UnitRange.of(0, 20)), Ranges.coarsen(r, 1));
    List<UnitRange> three = List.of(UnitRange.of(0, 1), UnitRange.of(2, 3), UnitRange.of(100, 101));
    assertEquals(List.of(UnitRange.of(0, 3), UnitRange.of(100, 101)), Ranges.coarsen(three, 2));
    assertThrows(IllegalArgumentException.class, () -> Ranges.parse("5-2"));
    assertThrows(IllegalArgumentException.class, () -> Ranges.parse("a"));
  }
}
