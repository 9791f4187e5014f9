package org.connectome.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code pause RUN}. */
@Command(
    name = "pause",
    mixinStandardHelpOptions = true,
    description =
        "Pauses a run: no new shards or steps start; shards in flight finish. Continue with 'connectome resume'.")
final class PauseCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "The run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Override
  public Integer call() {
    return Control.send(global, runId, ControlAction.PAUSE, "requested from the command line");
  }
}
