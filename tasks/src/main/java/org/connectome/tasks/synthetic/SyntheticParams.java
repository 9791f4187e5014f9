package org.connectome.tasks.synthetic;

import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;
import org.connectome.spec.Stage;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;

/**
 * Parameters of the built-in {@code synthetic} step kind, which tests and benchmarks use to
 * exercise the orchestration without real compute.
 *
 * @param unitMillis how long a unit works (sleeps)
 * @param jitter relative spread of {@code unitMillis}, 0 to 1
 * @param failProbability chance that an attempt of a unit fails (retryable), 0 to 1
 * @param failFirstAttempts every unit fails (retryable) on its first N attempts, counted across
 *     resumes
 * @param failUnits units that fail (retryable) on every attempt
 * @param permanentFailUnits units that fail as bad input (not retryable) on every attempt
 * @param oomUnits units that exhaust the heap on every attempt (a real {@link OutOfMemoryError}: a
 *     task process started with {@code -XX:+ExitOnOutOfMemoryError} dies of it)
 * @param readOutputsOf a step ({@code stage.step}) whose output of the same unit each unit reads
 *     first, as a real step reads what an earlier one wrote; null for none
 * @param outputBytes size of the output each unit writes
 * @param seed seed of the pseudo-random choices
 * @param qcFigure a quality-control figure named {@code synthetic} each unit publishes, as real
 *     stage code does (0: none)
 */
public record SyntheticParams(
    long unitMillis,
    double jitter,
    double failProbability,
    int failFirstAttempts,
    List<UnitRange> failUnits,
    List<UnitRange> permanentFailUnits,
    List<UnitRange> oomUnits,
    String readOutputsOf,
    int outputBytes,
    long seed,
    double qcFigure) {

  static final Param<Integer> UNIT_MILLIS =
      Param.integer("unitMillis", 10, 0, Integer.MAX_VALUE, "How long a unit works (sleeps), ms.");
  static final Param<Double> JITTER =
      Param.number("jitter", 0.0, 0, 1, "Relative spread of unitMillis.");
  static final Param<Double> FAIL_PROBABILITY =
      Param.number(
          "failProbability", 0.0, 0, 1, "Chance that an attempt of a unit fails (retryable).");
  static final Param<Integer> FAIL_FIRST_ATTEMPTS =
      Param.integer(
          "failFirstAttempts",
          0,
          0,
          Integer.MAX_VALUE,
          "Every unit fails (retryable) on its first N attempts, counted across resumes.");
  static final Param<String> FAIL_UNITS =
      Param.unitRanges("failUnits", "Units that fail (retryable) on every attempt.");
  static final Param<String> PERMANENT_FAIL_UNITS =
      Param.unitRanges(
          "permanentFailUnits", "Units that fail as bad input (not retryable) on every attempt.");
  static final Param<String> OOM_UNITS =
      Param.unitRanges(
          "oomUnits",
          "Units that exhaust the heap on every attempt: a task process dies of it, as a unit too"
              + " large for its memory takes its task down.");
  static final Param<String> READ_OUTPUTS_OF =
      Param.choice(
          "readOutputsOf",
          null,
          Stage.qualifiedSteps(),
          "A step (stage.step) whose output of the same unit each unit reads first, as a real step"
              + " reads what an earlier one wrote.");
  static final Param<Integer> OUTPUT_BYTES =
      Param.integer(
          "outputBytes", 64, 0, Integer.MAX_VALUE, "Size of the output file each unit writes.");
  static final Param<Integer> SEED =
      Param.integer("seed", 1, Integer.MIN_VALUE, Integer.MAX_VALUE, "Seed of the random choices.");

  static final Param<Double> QC_FIGURE =
      Param.number(
          "qcFigure",
          0.0,
          0,
          1e6,
          "A quality-control figure named 'synthetic' each unit publishes, as real stage code"
              + " does, for the run's QC gates (0: none).");

  /** The parameters of the synthetic kind, which every step of it reads. */
  public static final List<Param<?>> PARAMS =
      List.of(
          UNIT_MILLIS,
          JITTER,
          FAIL_PROBABILITY,
          FAIL_FIRST_ATTEMPTS,
          FAIL_UNITS,
          PERMANENT_FAIL_UNITS,
          OOM_UNITS,
          READ_OUTPUTS_OF,
          OUTPUT_BYTES,
          SEED,
          QC_FIGURE);

  /** Reads the parameters; {@link IllegalArgumentException} names a bad one. */
  public static SyntheticParams of(Map<String, Object> p) {
    String step = "synthetic";
    return new SyntheticParams(
        UNIT_MILLIS.read(step, p),
        JITTER.read(step, p),
        FAIL_PROBABILITY.read(step, p),
        FAIL_FIRST_ATTEMPTS.read(step, p),
        ranges(FAIL_UNITS.read(step, p)),
        ranges(PERMANENT_FAIL_UNITS.read(step, p)),
        ranges(OOM_UNITS.read(step, p)),
        READ_OUTPUTS_OF.read(step, p),
        OUTPUT_BYTES.read(step, p),
        SEED.read(step, p),
        QC_FIGURE.read(step, p));
  }

  public boolean fails(List<UnitRange> ranges, long unit) {
    for (UnitRange r : ranges) {
      if (r.contains(unit)) {
        return true;
      }
    }
    return false;
  }

  private static List<UnitRange> ranges(String text) {
    return text.isEmpty() ? List.of() : Ranges.normalize(Ranges.parse(text));
  }
}
