package org.connectome.cli;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.NoSuchRunException;
import org.connectome.catalog.RunState;
import org.connectome.catalog.RunStatus;
import org.connectome.ingest.IngestReport;
import org.connectome.ingest.IngestStore;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.WorkflowTuning;
import org.connectome.workflows.client.RunLauncher;
import org.connectome.workflows.samplerun.SampleRunResult;
import org.connectome.workflows.samplerun.StageOutcome;
import org.connectome.workflows.step.Failures;

/** Launches (or attaches to) a run and follows it to its end, showing progress. */
final class RunDriver {
  private static final Duration TICK = Duration.ofMillis(500);

  private final Catalog catalog;
  private final PrintStream out;
  private final boolean terminal;
  private final boolean quiet;

  RunDriver(Catalog catalog, PrintStream out, boolean terminal, boolean quiet) {
    this.catalog = catalog;
    this.out = out;
    this.terminal = terminal;
    this.quiet = quiet;
  }

  /**
   * Launches the run (idempotently: a running one is attached to) and follows it to its end. On the
   * local server, a server that dies meanwhile is started again and the run goes on.
   */
  int launchAndFollow(
      Platform platform, String taskQueue, RunSpec spec, int relaunch, WorkflowTuning tuning) {
    WorkflowClient client = platform.client();
    RunLauncher launcher = new RunLauncher(client, taskQueue);
    RunLauncher.Launch launch = launcher.launch(spec, relaunch, tuning);
    out.println(
        (launch.started() ? (relaunch > 0 ? "relaunched " : "started ") : "attached to running ")
            + spec.runId()
            + " (workflow "
            + launch.execution().getWorkflowId()
            + ")");
    platform
        .uiLink(launch.execution().getWorkflowId(), launch.execution().getRunId())
        .ifPresent(u -> out.println("Temporal UI: " + u));
    WorkflowStub stub = client.newUntypedWorkflowStub(launch.execution(), Optional.empty());
    CompletableFuture<SampleRunResult> result = stub.getResultAsync(SampleRunResult.class);
    ProgressView view = new ProgressView(out, terminal, spec, Instant.now());
    while (true) {
      if (!quiet) {
        view.show(status(spec.runId()), Instant.now());
      }
      if (platform.reviveLocalServer(out)) {
        result = stub.getResultAsync(SampleRunResult.class); // the old long poll died with it
      }
      try {
        SampleRunResult r = result.get(TICK.toMillis(), TimeUnit.MILLISECONDS);
        if (!quiet) {
          view.show(status(spec.runId()), Instant.now());
        }
        int code = report(r);
        if (code == ExitCodes.OK) {
          try {
            out.println();
            out.println(ReportCommand.writeAfterRun(catalog, spec));
          } catch (IOException | RuntimeException e) {
            out.println("(no report: " + e.getMessage() + ")");
          }
        }
        return code;
      } catch (TimeoutException e) {
        // still running
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ExitCodes.INTERRUPTED;
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof WorkflowFailedException wf) {
          out.println(spec.runId() + " ended abnormally: " + wf.getCause());
          return ExitCodes.RUN_FAILED;
        }
        if (!isLostConnection(c)) {
          throw new Platform.PlatformException("lost the run's workflow: " + c, c);
        }
        // Temporal went away for a while (a restart): wait for it and follow again
        sleep();
        result = stub.getResultAsync(SampleRunResult.class);
      }
    }
  }

  private static boolean isLostConnection(Throwable c) {
    for (Throwable t = c; t != null; t = t.getCause()) {
      if (t instanceof io.grpc.StatusRuntimeException s) {
        io.grpc.Status.Code code = s.getStatus().getCode();
        return code == io.grpc.Status.Code.UNAVAILABLE
            || code == io.grpc.Status.Code.DEADLINE_EXCEEDED;
      }
    }
    return false;
  }

  private static void sleep() {
    try {
      Thread.sleep(TICK.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private RunStatus status(String runId) {
    try {
      return catalog.progress().status(runId);
    } catch (NoSuchRunException e) {
      return null;
    }
  }

  private int report(SampleRunResult r) {
    out.println();
    switch (r.state()) {
      case SampleRunResult.DONE -> out.println(r.runId() + " done.");
      case SampleRunResult.CANCELLED ->
          out.println(
              r.runId()
                  + " cancelled: "
                  + r.error()
                  + "\nFinished units are kept; continue with: connectome resume "
                  + r.runId());
      default ->
          out.println(
              r.runId()
                  + " FAILED: "
                  + r.error()
                  + "\nFix the cause, then continue with: connectome resume "
                  + r.runId());
    }
    String ingest = IngestReport.of(IngestStore.open(catalog), r.runId(), 20);
    if (ingest != null) {
      out.println(ingest);
    }
    for (StageOutcome s : r.stages()) {
      if (!s.failures().isEmpty()) {
        out.println(
            "  "
                + s.stage()
                + ": "
                + s.unitsFailed()
                + " units failed"
                + Failures.summary(s.failures(), 5));
      }
    }
    return switch (r.state()) {
      case SampleRunResult.DONE -> ExitCodes.OK;
      case SampleRunResult.CANCELLED -> ExitCodes.CANCELLED;
      default -> ExitCodes.RUN_FAILED;
    };
  }

  static int exitCode(RunState s) {
    return switch (s) {
      case DONE -> ExitCodes.OK;
      case CANCELLED -> ExitCodes.CANCELLED;
      case FAILED -> ExitCodes.RUN_FAILED;
      default -> ExitCodes.OK;
    };
  }
}
