package org.connectome.cli;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.connectome.temporal.LocalTemporalServer;
import picocli.CommandLine.Command;

/** {@code server start|stop|status}: the local Temporal server of {@code $CX_HOME}. */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "The local Temporal server that $CX_HOME owns: a real Temporal server (the Temporal CLI's"
          + " development server, installed on first use) with every workflow's state in"
          + " $CX_HOME/temporal/temporal.db and its Web UI, bound to 127.0.0.1 only. Commands start"
          + " it on first need and it keeps running between them; 'stop' stops it (its state"
          + " stays, the next start continues every run).",
      "",
      "Port: 7233 (UI 8233) when free, else a free pair; CX_TEMPORAL_PORT chooses another."
    },
    subcommands = {ServerCommand.Start.class, ServerCommand.Stop.class, ServerCommand.Status.class})
final class ServerCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static LocalTemporalServer server() {
    return Platform.localServer(
        new TemporalTarget.Local(GlobalOptions.home().resolve("temporal"), "default"));
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = "Starts it, or says where it runs.")
  static final class Start implements Callable<Integer> {
    @Override
    public Integer call() {
      LocalTemporalServer server = server();
      LocalTemporalServer.Attached a = server.ensureRunning();
      System.out.println(
          a.started()
              ? Platform.startedMessage(server, a)
              : "Temporal server running (" + a.endpoint().describe());
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description =
          "Stops it. Runs in flight wait (their state is in its database) until it starts again.")
  static final class Stop implements Callable<Integer> {
    @Override
    public Integer call() {
      Optional<LocalTemporalServer.Endpoint> e = server().stop(Duration.ofSeconds(15));
      System.out.println(
          e.map(x -> "stopped the Temporal server (pid " + x.pid() + ", " + x.address() + ")")
              .orElse("no Temporal server of " + GlobalOptions.home() + " was running"));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Whether it runs, and where.")
  static final class Status implements Callable<Integer> {
    @Override
    public Integer call() {
      LocalTemporalServer server = server();
      Optional<LocalTemporalServer.Endpoint> e = server.running();
      System.out.println(
          e.map(x -> "running (" + x.describe() + ", state " + x.database())
              .orElse("not running (state " + server.database() + ")"));
      return e.isPresent() ? ExitCodes.OK : ExitCodes.NOT_FOUND;
    }
  }
}
