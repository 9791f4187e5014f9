package org.connectome.units;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How a step's units are grouped: a task (one process or pod) runs {@code unitsPerTask} contiguous
 * units, a shard (one Indexed Job or one local batch) runs {@code tasksPerShard} contiguous tasks.
 * Everything is arithmetic on indices: no per-unit state exists anywhere in the orchestrator.
 *
 * <p>A step whose units read what earlier units of the same step wrote (the levels of a
 * hierarchical merge) comes in {@code rounds}: consecutive runs of units, round {@code r + 1}
 * starting only when round {@code r} is done. Tasks and shards never straddle two rounds, so that a
 * shard belongs to exactly one round.
 *
 * @param unitCount units in the step
 * @param unitsPerTask units per task, at least 1
 * @param tasksPerShard tasks per shard, at least 1
 * @param rounds units of each round, in order, summing to {@code unitCount}; null for a step that
 *     runs all its units at once (one round)
 */
public record Grouping(
    long unitCount,
    int unitsPerTask,
    int tasksPerShard,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<Long> rounds) {
  public Grouping {
    if (unitCount < 0 || unitsPerTask < 1 || tasksPerShard < 1) {
      throw new IllegalArgumentException(
          "bad grouping: units "
              + unitCount
              + ", unitsPerTask "
              + unitsPerTask
              + ", tasksPerShard "
              + tasksPerShard);
    }
    if (rounds != null) {
      rounds = List.copyOf(rounds);
      long sum = 0;
      for (long r : rounds) {
        if (r < 0) {
          throw new IllegalArgumentException("bad grouping: a round of " + r + " units");
        }
        sum += r;
      }
      if (sum != unitCount) {
        throw new IllegalArgumentException(
            "bad grouping: rounds " + rounds + " do not add up to " + unitCount + " units");
      }
    }
  }

  /** All units in one round. */
  public Grouping(long unitCount, int unitsPerTask, int tasksPerShard) {
    this(unitCount, unitsPerTask, tasksPerShard, null);
  }

  /** Rounds of the step: 1 unless the planner cut it into rounds. */
  public int roundCount() {
    return rounds == null ? 1 : rounds.size();
  }

  private long roundUnits(int r) {
    return rounds == null ? unitCount : rounds.get(r);
  }

  private long roundTasks(int r) {
    return ceilDiv(roundUnits(r), unitsPerTask);
  }

  private long roundShards(int r) {
    return ceilDiv(roundTasks(r), tasksPerShard);
  }

  /** First unit, task and shard of round {@code r} (r = roundCount: the ends). */
  private long[] startOf(int r) {
    long[] s = new long[3];
    for (int i = 0; i < r; i++) {
      s[0] += roundUnits(i);
      s[1] += roundTasks(i);
      s[2] += roundShards(i);
    }
    return s;
  }

  /** The round holding index {@code i} of kind {@code k} (0 unit, 1 task, 2 shard). */
  private int roundOf(long i, int k) {
    long start = 0;
    for (int r = 0; r < roundCount(); r++) {
      long n = k == 0 ? roundUnits(r) : k == 1 ? roundTasks(r) : roundShards(r);
      if (i < start + n) {
        return r;
      }
      start += n;
    }
    return roundCount() - 1;
  }

  public long taskCount() {
    return startOf(roundCount())[1];
  }

  public long shardCount() {
    return startOf(roundCount())[2];
  }

  /** The shards of round {@code r}. */
  public UnitRange shardsOfRound(int round) {
    if (round < 0 || round >= roundCount()) {
      throw new IndexOutOfBoundsException("round " + round + " out of [0, " + roundCount() + ")");
    }
    long from = startOf(round)[2];
    return new UnitRange(from, from + roundShards(round));
  }

  public UnitRange unitsOfTask(long task) {
    checkIndex(task, taskCount(), "task");
    int r = roundOf(task, 1);
    long[] s = startOf(r);
    long from = s[0] + (task - s[1]) * unitsPerTask;
    return new UnitRange(from, Math.min(s[0] + roundUnits(r), from + unitsPerTask));
  }

  /** The task indices of a shard. */
  public UnitRange tasksOfShard(long shard) {
    checkIndex(shard, shardCount(), "shard");
    int r = roundOf(shard, 2);
    long[] s = startOf(r);
    long from = s[1] + (shard - s[2]) * tasksPerShard;
    return new UnitRange(from, Math.min(s[1] + roundTasks(r), from + tasksPerShard));
  }

  public UnitRange unitsOfShard(long shard) {
    return unitsOfTasks(tasksOfShard(shard));
  }

  /** Units of a range of tasks. */
  public UnitRange unitsOfTasks(UnitRange tasks) {
    if (tasks.isEmpty()) {
      long at = tasks.from() >= taskCount() ? unitCount : unitsOfTask(tasks.from()).from();
      return new UnitRange(at, at);
    }
    return new UnitRange(unitsOfTask(tasks.from()).from(), unitsOfTask(tasks.to() - 1).to());
  }

  public long taskOfUnit(long unit) {
    checkIndex(unit, unitCount, "unit");
    int r = roundOf(unit, 0);
    long[] s = startOf(r);
    return s[1] + (unit - s[0]) / unitsPerTask;
  }

  public long shardOfUnit(long unit) {
    long task = taskOfUnit(unit);
    int r = roundOf(task, 1);
    long[] s = startOf(r);
    return s[2] + (task - s[1]) / tasksPerShard;
  }

  /** The shards that hold any of the units in {@code units}. */
  public UnitRange shardsOfUnits(UnitRange units) {
    if (units.isEmpty()) {
      return new UnitRange(0, 0);
    }
    return new UnitRange(shardOfUnit(units.from()), shardOfUnit(units.to() - 1) + 1);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private static void checkIndex(long i, long n, String what) {
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException(what + " " + i + " out of [0, " + n + ")");
    }
  }
}
