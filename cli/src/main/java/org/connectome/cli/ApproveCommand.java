package org.connectome.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code approve RUN}: releases a run held for review by a missed quality-control gate. */
@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    description =
        "Approves a run held for review (a stage missed a QC gate: see 'connectome status'): it goes on."
            + " 'connectome cancel' stops it instead.")
final class ApproveCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "The run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Override
  public Integer call() {
    return Control.send(global, runId, ControlAction.APPROVE, "requested from the command line");
  }
}
