package org.connectome.tasks.synthetic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.SplittableRandom;
import org.connectome.files.AtomicFile;
import org.connectome.layout.QcFigures;
import org.connectome.layout.StepLayout;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * The built-in {@code synthetic} step kind: each unit works for a configured time, may fail as
 * configured, and writes an output file ({@code outputBytes} long; none when 0). It keeps two
 * records of its own in {@code synthetic/} of the step folder: per-unit attempt counts when a
 * failure rule needs them (so "fail on the first N attempts" holds across task retries and stage
 * resumes) and an execution log with one line per completed execution ({@code unit TAB attempt TAB
 * pid}), which tests use to prove that no finished unit ever runs twice.
 */
public final class SyntheticUnitRunner implements UnitRunner {
  /** The execution log, relative to the step folder. */
  public static final String EXECUTION_LOG = "synthetic/executions.log";

  private final SyntheticParams params;
  private final StepLayout layout;
  private final Path attemptsDir;
  private final Path executionLog;

  public SyntheticUnitRunner(TaskDefinition def, StepLayout layout) {
    this.params = SyntheticParams.of(def.params());
    this.layout = layout;
    this.attemptsDir = layout.dir().resolve("synthetic/attempts");
    this.executionLog = layout.dir().resolve(EXECUTION_LOG);
  }

  @Override
  public void run(UnitContext ctx) throws UnitException, InterruptedException {
    long unit = ctx.unit();
    // attempts are counted on disk only when a failure rule needs them, to keep large benchmark
    // steps light
    boolean counted = params.failFirstAttempts() > 0 || params.failProbability() > 0;
    int attempt = counted ? countAttempt(unit) : ctx.attempt();
    SplittableRandom random =
        new SplittableRandom(params.seed() * 1_000_003L + unit * 7_919L + attempt);
    long millis = params.unitMillis();
    if (params.jitter() > 0 && millis > 0) {
      millis =
          Math.max(0, Math.round(millis * (1 + params.jitter() * (2 * random.nextDouble() - 1))));
    }
    if (millis > 0) {
      Thread.sleep(millis);
    }
    if (params.readOutputsOf() != null) {
      readUpstream(ctx);
    }
    if (params.fails(params.oomUnits(), unit)) {
      exhaustHeap();
    }
    if (params.fails(params.permanentFailUnits(), unit)) {
      throw new UnitException(
          "synthetic bad input in unit " + unit + " (permanentFailUnits)", false);
    }
    if (attempt <= params.failFirstAttempts()) {
      throw new UnitException(
          "synthetic failure of unit "
              + unit
              + " on attempt "
              + attempt
              + " (failFirstAttempts="
              + params.failFirstAttempts()
              + ")",
          true);
    }
    if (params.fails(params.failUnits(), unit)) {
      throw new UnitException("synthetic failure of unit " + unit + " (failUnits)", true);
    }
    if (params.failProbability() > 0 && random.nextDouble() < params.failProbability()) {
      throw new UnitException(
          "synthetic random failure of unit "
              + unit
              + " (failProbability="
              + params.failProbability()
              + ")",
          true);
    }
    try {
      writeOutput(ctx.definition(), unit, random);
      if (params.qcFigure() > 0) {
        TaskDefinition def = ctx.definition();
        QcFigures.publish(
            Path.of(def.runDir()),
            def.stage(),
            def.step(),
            unit,
            Map.of("synthetic", params.qcFigure()));
      }
      String line = unit + "\t" + attempt + "\t" + ProcessHandle.current().pid() + "\n";
      Files.createDirectories(executionLog.getParent());
      // one short O_APPEND write: lines from concurrent tasks never interleave
      Files.write(
          executionLog,
          line.getBytes(StandardCharsets.US_ASCII),
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UnitException(
          "cannot write output of unit " + unit + ": " + e.getMessage(), true, e);
    }
  }

  private void writeOutput(TaskDefinition def, long unit, SplittableRandom random)
      throws IOException {
    if (params.outputBytes() == 0) {
      return;
    }
    Path dir = layout.outputDir().resolve(String.format("%06d", unit / 1000));
    Files.createDirectories(dir);
    byte[] data = new byte[params.outputBytes()];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) random.nextInt(256);
    }
    AtomicFile.write(dir.resolve("u" + unit + "-" + def.paramsHash() + ".bin"), data, false);
  }

  /** Reads the same unit's output of the step {@code readOutputsOf} names. */
  private void readUpstream(UnitContext ctx) throws UnitException {
    String[] stageStep = params.readOutputsOf().split("\\.");
    Path step = Path.of(ctx.definition().runDir()).resolve("stages").resolve(stageStep[0]);
    step = step.resolve(stageStep[1]);
    try {
      String hash = TaskDefinition.read(new StepLayout(step).definitionFile()).paramsHash();
      Files.readAllBytes(
          new StepLayout(step)
              .outputDir()
              .resolve(String.format("%06d", ctx.unit() / 1000))
              .resolve("u" + ctx.unit() + "-" + hash + ".bin"));
    } catch (IOException e) {
      throw new UnitException(
          "cannot read the output of " + params.readOutputsOf() + ": " + e.getMessage(), true, e);
    }
  }

  /** Allocates until the heap is exhausted, as a unit too large for its memory does. */
  private static void exhaustHeap() {
    java.util.List<long[]> hog = new java.util.ArrayList<>();
    while (true) {
      hog.add(new long[1 << 20]);
    }
  }

  /**
   * Counts this attempt of the unit (one byte appended per attempt) and returns its number, from 1.
   */
  private int countAttempt(long unit) throws UnitException {
    try {
      Path f = attemptsDir.resolve(String.format("%06d", unit / 1000)).resolve("u" + unit);
      Files.createDirectories(f.getParent());
      Files.write(f, new byte[] {1}, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      return (int) Files.size(f);
    } catch (IOException e) {
      throw new UnitException(
          "cannot count attempts of unit " + unit + ": " + e.getMessage(), true, e);
    }
  }
}
