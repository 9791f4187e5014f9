package org.connectome.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code retry-failed RUN}. */
@Command(
    name = "retry-failed",
    mixinStandardHelpOptions = true,
    description =
        "Runs the units that failed so far once more, now; a stage waiting for its automatic resume resumes at once.")
final class RetryFailedCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "The run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Override
  public Integer call() {
    return Control.send(
        global, runId, ControlAction.RETRY_FAILED, "requested from the command line");
  }
}
