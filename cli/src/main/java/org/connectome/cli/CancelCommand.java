package org.connectome.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cancel RUN}. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description =
        "Cancels a run: running tasks are stopped and the run ends as cancelled. Finished units stay"
            + " finished; resume continues the run later.")
final class CancelCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "The run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Option(
      names = "--reason",
      defaultValue = "cancelled from the command line",
      description = "Why (recorded in the catalog).")
  String reason;

  @Override
  public Integer call() {
    return Control.send(global, runId, ControlAction.CANCEL, reason);
  }
}
