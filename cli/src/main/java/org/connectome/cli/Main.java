package org.connectome.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code connectome}: launch and watch sample runs, run workers, inspect the catalog. */
@Command(
    name = "connectome",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Orchestrates the acquisition-to-connectome chain (ingest, stitch, align, segment, synapses, "
            + "compress, mesh) of EM connectomics samples on Temporal.",
    subcommands = {
      RunCommand.class,
      StatusCommand.class,
      ResumeCommand.class,
      CancelCommand.class,
      PauseCommand.class,
      RetryFailedCommand.class,
      WorkerCommand.class,
      ServerCommand.class,
      ValidateCommand.class,
      VerifyCommand.class,
      RedoCommand.class,
      SimulateCommand.class,
      ServeCommand.class,
      ReportCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  done (or the command did what it was asked)",
      "  1  the run failed",
      "  2  bad command line or invalid run spec",
      "  3  the run was cancelled",
      "  4  no such run",
      "  5  Temporal or the catalog cannot be reached, or the platform failed",
      "  130 interrupted while driving a run on the embedded default (resume it with 'connectome resume')"
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    configureLogging(args);
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code. */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          PrintWriter err = line.getErr();
          if (e instanceof Platform.PlatformException) {
            err.println("error: " + e.getMessage());
          } else {
            err.println("error: " + e);
            e.printStackTrace(err);
          }
          err.flush();
          return ExitCodes.UNAVAILABLE;
        });
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Interactive commands keep the terminal for progress: only warnings are logged there. Daemons
   * (worker, server) log at info. {@code CX_LOG_LEVEL} overrides both.
   */
  static void configureLogging(String[] args) {
    boolean daemon = args.length > 0 && (args[0].equals("worker") || args[0].equals("server"));
    String level = System.getenv().getOrDefault("CX_LOG_LEVEL", daemon ? "info" : "warn");
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
    // the Temporal SDK reports every retried poll at warn during shutdown; its errors still show
    System.setProperty("org.slf4j.simpleLogger.log.io.temporal", daemon ? "info" : "error");
    System.setProperty("org.slf4j.simpleLogger.log.io.grpc", "error");
    System.setProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "warn");
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"connectome " + org.connectome.pipeline.CodeVersion.get()};
    }
  }
}
