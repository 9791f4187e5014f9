package org.connectome.units;

/**
 * How a step's units are grouped: a task (one process or pod) runs {@code unitsPerTask} contiguous
 * units, a shard (one Indexed Job or one local batch) runs {@code tasksPerShard} contiguous tasks.
 * Everything is arithmetic on indices: no per-unit state exists anywhere in the orchestrator.
 *
 * @param unitCount units in the step
 * @param unitsPerTask units per task, at least 1
 * @param tasksPerShard tasks per shard, at least 1
 */
public record Grouping(long unitCount, int unitsPerTask, int tasksPerShard) {
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
  }

  public long taskCount() {
    return ceilDiv(unitCount, unitsPerTask);
  }

  public long shardCount() {
    return ceilDiv(taskCount(), tasksPerShard);
  }

  public UnitRange unitsOfTask(long task) {
    checkIndex(task, taskCount(), "task");
    long from = task * unitsPerTask;
    return new UnitRange(from, Math.min(unitCount, from + unitsPerTask));
  }

  /** The task indices of a shard. */
  public UnitRange tasksOfShard(long shard) {
    checkIndex(shard, shardCount(), "shard");
    long from = shard * tasksPerShard;
    return new UnitRange(from, Math.min(taskCount(), from + tasksPerShard));
  }

  public UnitRange unitsOfShard(long shard) {
    UnitRange tasks = tasksOfShard(shard);
    return new UnitRange(
        tasks.from() * unitsPerTask, Math.min(unitCount, tasks.to() * unitsPerTask));
  }

  /** Units of a range of tasks. */
  public UnitRange unitsOfTasks(UnitRange tasks) {
    return new UnitRange(
        tasks.from() * unitsPerTask, Math.min(unitCount, tasks.to() * unitsPerTask));
  }

  public long taskOfUnit(long unit) {
    checkIndex(unit, unitCount, "unit");
    return unit / unitsPerTask;
  }

  public long shardOfUnit(long unit) {
    return taskOfUnit(unit) / tasksPerShard;
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
