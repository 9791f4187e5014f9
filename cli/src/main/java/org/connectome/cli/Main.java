package org.connectome.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
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
      ApproveCommand.class,
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
      "  2  bad command line or invalid run spec (--verbose anywhere: stack traces of failures)",
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

  /**
   * Runs the command line and returns its exit code. A bad command line is one line and exit code
   * 2; a failure is one line and exit code 5, with its stack trace only under {@code --verbose}
   * (anywhere on the line) or {@code CX_VERBOSE=1}.
   */
  public static int execute(String... args) {
    List<String> rest = new ArrayList<>(List.of(args));
    boolean verbose =
        rest.remove("--verbose") | "1".equals(System.getenv().getOrDefault("CX_VERBOSE", ""));
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler(
        (e, line) -> {
          PrintWriter err = e.getCommandLine().getErr();
          err.println(
              e.getMessage()
                  + " (see: connectome "
                  + (e.getCommandLine().getCommandName().equals("connectome")
                      ? ""
                      : e.getCommandLine().getCommandName() + " ")
                  + "--help)");
          err.flush();
          return ExitCodes.USAGE;
        });
    cl.setExecutionStrategy(
        parsed -> {
          CommandOptions.check(parsed);
          return new CommandLine.RunLast().execute(parsed);
        });
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          PrintWriter err = line.getErr();
          if (e instanceof Platform.PlatformException || e.getMessage() != null) {
            err.println("error: " + e.getMessage());
          } else {
            err.println("error: " + e);
          }
          if (verbose) {
            e.printStackTrace(err);
          } else if (!(e instanceof Platform.PlatformException)) {
            err.println("(run again with --verbose for the details)");
          }
          err.flush();
          return ExitCodes.UNAVAILABLE;
        });
    return cl.execute(rest.toArray(String[]::new));
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
    // a section that fails its ingest is reported once, as its unit's failure; Spring Batch would
    // log the same error with a forty-line stack trace on the terminal
    if (!daemon && !java.util.Arrays.asList(args).contains("--verbose")) {
      System.setProperty("org.slf4j.simpleLogger.log.org.springframework.batch", "off");
    }
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"connectome " + org.connectome.pipeline.CodeVersion.get()};
    }
  }
}
