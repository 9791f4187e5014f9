package org.connectome.tasks;

/**
 * Runs the units of one step inside a task. One instance serves all units of a task, so expensive
 * set-up (a model, an open volume) happens once per task. Implementations write their outputs; the
 * caller writes the unit's completion marker after {@link #run} returns.
 */
public interface UnitRunner extends AutoCloseable {
  /**
   * Runs one unit and writes its outputs completely before returning.
   *
   * @throws UnitException when the unit failed; the task goes on with its other units
   * @throws InterruptedException when the task is being stopped
   */
  void run(UnitContext unit) throws UnitException, InterruptedException;

  @Override
  default void close() throws Exception {}
}
