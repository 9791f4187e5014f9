package org.connectome.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.connectome.layout.RunLayout;
import org.connectome.layout.SampleFactsResolver;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.Planners;
import org.connectome.pipeline.PlanningException;
import org.connectome.pipeline.SampleFacts;
import org.connectome.pipeline.StepConfig;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.spec.RunSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code validate SPEC}: check a spec and show the plan it gives, without running anything. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description =
        "Checks a run spec (every problem, with file, line and field) and prints the steps it plans: "
            + "units, tasks, shards and parameters hash per step. Runs nothing.")
final class ValidateCommand implements Callable<Integer> {
  @Parameters(paramLabel = "SPEC", description = "The run specification (YAML).")
  Path specFile;

  @Override
  public Integer call() throws Exception {
    RunSpec spec = SpecFiles.load(specFile, System.err);
    if (spec == null) {
      return ExitCodes.USAGE;
    }
    SampleFacts facts =
        SampleFactsResolver.resolve(spec, RunLayout.of(spec.dataRoot(), spec.sample(), spec.run()));
    System.out.println(spec.runId() + ": valid; data in " + spec.dataRoot());
    System.out.printf(
        "%-22s %-14s %10s %8s %8s  %-16s %s%n",
        "STEP", "UNIT", "UNITS", "TASKS", "SHARDS", "PARAMS HASH", "PLAN");
    for (StepConfig c : Pipeline.steps(spec)) {
      try {
        UnitSpace u = Planners.of(c.stage(), c.step()).plan(c, facts);
        StepPlan plan = StepPlan.of(u, c);
        System.out.printf(
            "%-22s %-14s %10d %8d %8d  %-16s %s%n",
            c.qualifiedName(),
            u.unitKind(),
            u.unitCount(),
            plan.grouping().taskCount(),
            plan.grouping().shardCount(),
            c.paramsHash(),
            u.description());
      } catch (PlanningException e) {
        System.out.printf("%-22s cannot be planned yet: %s%n", c.qualifiedName(), e.getMessage());
      }
    }
    return ExitCodes.OK;
  }
}
