package org.connectome.spec;

/**
 * A semantic check of a bound run specification, beyond what the JSON Schema says. Modules that
 * know more (which implementations exist, what a synthetic step's parameters mean) contribute
 * checks to the loader.
 */
@FunctionalInterface
public interface SpecCheck {
  /**
   * Adds an error to {@code errors} for every problem in {@code spec}, naming the field by its path
   * ({@code stages[2].params.unitMillis}).
   */
  void check(RunSpec spec, SpecErrors errors);
}
