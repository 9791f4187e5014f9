package org.connectome.tasks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Supplier;
import org.connectome.files.UnitOutputs;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.markers.InvalidUnit;
import org.connectome.markers.MarkerCheck;
import org.connectome.markers.MarkerStore;
import org.connectome.pipeline.CodeVersion;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskExitCodes;
import org.connectome.task.TaskReport;
import org.connectome.task.TaskUsage;
import org.connectome.task.UnitFailure;
import org.connectome.units.Grouping;
import org.connectome.units.UnitRange;

/**
 * Runs one task: every unit of its range without a completion marker that holds up (its outputs
 * there with their recorded sizes), writing each unit's marker after the unit's outputs, with those
 * outputs, then a {@link TaskReport}. A failing unit, whatever it throws, does not stop the task; a
 * unit that took an earlier process of the task down runs after the others ({@link CrashedUnits}).
 * The exit code says whether any unit failed and whether retrying may help.
 */
public final class TaskRunner {
  private final Clock clock;
  private final PrintStream log;
  private final UnitRunnerFactory runners;
  private final Supplier<TaskUsage> usage;

  /**
   * @param usage what the task's process used, read just before the report is written; returns null
   *     where the process is shared with other tasks
   */
  public TaskRunner(
      Clock clock, PrintStream log, UnitRunnerFactory runners, Supplier<TaskUsage> usage) {
    this.clock = clock;
    this.log = log;
    this.runners = runners;
    this.usage = usage;
  }

  /** A runner sharing its process with others: its reports record no usage. */
  public TaskRunner(Clock clock, PrintStream log, UnitRunnerFactory runners) {
    this(clock, log, runners, () -> null);
  }

  public TaskRunner(Clock clock, PrintStream log) {
    this(clock, log, UnitRunners::create);
  }

  /** Result of one task attempt. */
  public record Result(int exitCode, TaskReport report) {}

  public Result run(TaskInvocation inv) throws InterruptedException {
    Instant started = clock.instant();
    StepLayout layout = new StepLayout(inv.stepDir());
    TaskDefinition def;
    try {
      def = TaskDefinition.read(layout.definitionFile());
    } catch (IOException e) {
      log.println("cannot read step definition " + layout.definitionFile() + ": " + e.getMessage());
      return new Result(TaskExitCodes.BAD_DEFINITION, null);
    }
    Grouping grouping = def.plan().grouping();
    if (inv.task() < 0 || inv.task() >= grouping.taskCount()) {
      log.println(
          "task "
              + inv.task()
              + " does not exist: step "
              + def.stage()
              + "."
              + def.step()
              + " has "
              + grouping.taskCount()
              + " tasks");
      return new Result(TaskExitCodes.BAD_DEFINITION, null);
    }
    UnitRange units = grouping.unitsOfTask(inv.task());
    Path runDir = Path.of(def.runDir());
    MarkerStore markers = new MarkerStore(layout.markersDir(), runDir);
    BitSet done;
    CrashedUnits crashed;
    try {
      // a unit is skipped only if its marker holds up: its outputs are there with their sizes
      MarkerCheck check = markers.check(units, def.paramsHash(), MarkerCheck.Depth.SIZES);
      for (InvalidUnit bad : check.invalid()) {
        markers.invalidate(bad.unit(), def.paramsHash(), true);
        log.printf(
            "unit %d runs again: %s (%s)%n", bad.unit(), bad.problem().words(), bad.detail());
      }
      done = check.done();
      crashed = CrashedUnits.load(layout, inv.task());
    } catch (IOException e) {
      log.println("cannot read completion markers in " + markers.dir() + ": " + e.getMessage());
      return new Result(TaskExitCodes.UNITS_FAILED, null);
    }
    log.printf(
        "%s.%s task %d attempt %d: units %s (%d), %d already done%n",
        def.stage(),
        def.step(),
        inv.task(),
        inv.attempt(),
        units,
        units.size(),
        done.cardinality());
    // units that took a process of this task down run last, so that they cannot keep the others
    // from running
    List<Long> order = new ArrayList<>();
    List<Long> last = new ArrayList<>();
    for (long u = units.from(); u < units.to(); u++) {
      if (!done.get((int) (u - units.from()))) {
        (crashed.crashed(u) ? last : order).add(u);
      }
    }
    for (long u : last) {
      log.printf(
          "unit %d took down %d earlier process%s of this task: running it after the others%n",
          u, crashed.count(u), crashed.count(u) == 1 ? "" : "es");
    }
    order.addAll(last);
    long executed = 0;
    long skipped = units.size() - order.size();
    List<UnitFailure> failures = new ArrayList<>();
    try (UnitRunner runner = runners.create(def, layout)) {
      try {
        for (long u : order) {
          if (Thread.interrupted()) {
            throw new InterruptedException("task stopped before unit " + u);
          }
          Instant unitStart = clock.instant();
          try {
            crashed.starting(u);
            UnitContext ctx = new UnitContext(def, layout, u, inv.task(), inv.attempt());
            try (UnitOutputs.Scope bound = ctx.outputs().bind()) {
              runner.run(ctx);
            }
            markers.write(
                new CompletionMarker(
                    def.stage(),
                    def.step(),
                    u,
                    def.paramsHash(),
                    CodeVersion.get(),
                    inv.attempt(),
                    inv.task(),
                    inv.host(),
                    unitStart,
                    clock.instant(),
                    ctx.outputs().files(runDir)));
            executed++;
          } catch (InterruptedException e) {
            throw e;
          } catch (Exception | Error e) { // a bad unit never stops the task's other units
            UnitErrors.Classified c = UnitErrors.classify(e, runDir);
            addFailure(failures, u, c);
            log.printf(
                "unit %d failed%s: %s%n", u, c.retryable() ? "" : " (not retryable)", c.message());
            if (!UnitErrors.expected(e)) {
              e.printStackTrace(log);
            }
          }
        }
      } finally {
        crashed.ended();
      }
    } catch (BadDefinitionException e) {
      log.println(e.getMessage());
      return new Result(TaskExitCodes.BAD_DEFINITION, null);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) { // close() of a runner
      log.println("closing the unit runner failed: " + e);
    }
    long failed = failures.stream().mapToLong(f -> f.units().size()).sum();
    TaskReport report =
        new TaskReport(
            inv.task(),
            inv.attempt(),
            executed,
            skipped,
            failed,
            failures,
            started,
            clock.instant(),
            usage.get());
    try {
      report.write(layout.reportFile(inv.task()));
    } catch (IOException e) {
      log.println("cannot write task report: " + e.getMessage());
    }
    log.printf(
        "task %d attempt %d: %d executed, %d skipped, %d failed%n",
        inv.task(), inv.attempt(), executed, skipped, failed);
    int code;
    if (failures.isEmpty()) {
      code = TaskExitCodes.OK;
    } else if (failures.stream().anyMatch(UnitFailure::retryable)) {
      code = TaskExitCodes.UNITS_FAILED;
    } else {
      code = TaskExitCodes.UNITS_FAILED_PERMANENTLY;
    }
    return new Result(code, report);
  }

  /**
   * Consecutive failed units with the same kind of error (the same text but for numbers) and
   * retryability become one range, carrying the last error; different errors stay apart so the
   * report says what went wrong where.
   */
  private static void addFailure(List<UnitFailure> failures, long unit, UnitErrors.Classified c) {
    if (!failures.isEmpty()) {
      UnitFailure last = failures.get(failures.size() - 1);
      if (last.units().to() == unit
          && last.retryable() == c.retryable()
          && shape(last.error()).equals(shape(c.message()))) {
        failures.set(
            failures.size() - 1,
            new UnitFailure(
                new UnitRange(last.units().from(), unit + 1),
                c.message(),
                c.retryable(),
                c.missingInput()));
        return;
      }
    }
    failures.add(
        new UnitFailure(UnitRange.single(unit), c.message(), c.retryable(), c.missingInput()));
  }

  private static String shape(String error) {
    return error == null ? "" : error.replaceAll("[0-9]+", "#");
  }
}
