package org.connectome.cli;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.connectome.catalog.NoSuchRunException;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunState;
import org.connectome.catalog.RunStatus;
import org.connectome.ingest.IngestReport;
import org.connectome.pipeline.Json;
import org.connectome.workflows.RunSearchAttributes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code status [RUN]}: runs as Temporal and the catalog see them; read-only. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Shows the runs (through Temporal's visibility and the catalog), or one run's stages and"
            + " steps with unit counts, its recent events, and what Temporal says of it: its"
            + " workflow's state and whether a live worker serves it. Read-only: it starts no"
            + " server and changes nothing.")
final class StatusCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", arity = "0..1", description = "A run, as SAMPLE/RUN.")
  String runId;

  @Mixin GlobalOptions global;

  @Option(
      names = "--events",
      defaultValue = "15",
      description = "Recent events to show (default ${DEFAULT-VALUE}).")
  int events;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  /**
   * One run for {@code --json}: the catalog's record and what Temporal says.
   *
   * @param temporal the run's workflow state (and worker liveness), or why it is not known
   */
  record RunView(RunStatus status, String temporal) {}

  @Override
  public Integer call() {
    try (Platform p = Platform.open(global)) {
      PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
      Optional<WorkflowClient> client = p.connectIfRunning(quiet);
      if (runId == null) {
        return list(p, client);
      }
      Optional<RunRecord> r = RunRef.find(p.catalog, runId);
      if (r.isEmpty()) {
        return ExitCodes.NOT_FOUND;
      }
      RunStatus s = p.catalog.progress().status(runId);
      String temporal =
          client.map(c -> new RunControl(c).describe(runId)).orElseGet(this::unreachable);
      if (json) {
        System.out.println(Json.text(new RunView(s, temporal)));
        return ExitCodes.OK;
      }
      String held =
          s.run().state() == RunState.PAUSED
              ? StatusTable.heldFor(p.catalog.events().latest(runId, 500))
              : null;
      StatusTable.run(System.out, s, temporal, p.catalog.events().latest(runId, events), held);
      String ingest = IngestReport.of(p.ingest(), runId, 50);
      if (ingest != null) {
        System.out.println();
        System.out.println(ingest);
      }
      return ExitCodes.OK;
    }
  }

  /** Runs Temporal knows (newest first, through visibility), then those only the catalog has. */
  private int list(Platform p, Optional<WorkflowClient> client) {
    Map<String, String> temporal = new LinkedHashMap<>();
    client.ifPresent(
        c ->
            c.listExecutions("WorkflowType = 'SampleRunWorkflow'")
                .limit(200)
                .forEach(
                    m -> temporal.putIfAbsent(runOf(m), m.getStatus() == null ? "?" : state(m))));
    Map<String, RunView> views = new LinkedHashMap<>();
    for (String id : temporal.keySet()) {
      views.put(id, new RunView(catalogStatus(p, id), temporal.get(id)));
    }
    for (RunRecord r : p.catalog.runs().list(50)) {
      views.putIfAbsent(
          r.runId(),
          new RunView(
              p.catalog.progress().status(r.runId()),
              client.isPresent() ? "no workflow on this Temporal" : unreachable()));
    }
    List<RunView> out = new ArrayList<>(views.values());
    if (json) {
      System.out.println(Json.text(out));
    } else {
      StatusTable.runs(System.out, out);
    }
    return ExitCodes.OK;
  }

  private static String runOf(WorkflowExecutionMetadata m) {
    String run = m.getTypedSearchAttributes().get(RunSearchAttributes.RUN);
    if (run != null) {
      return run;
    }
    String id = m.getExecution().getWorkflowId(); // runs started before the search attributes
    return id.startsWith(org.connectome.workflows.WorkflowIds.PREFIX)
        ? id.substring(org.connectome.workflows.WorkflowIds.PREFIX.length())
        : id;
  }

  private static String state(WorkflowExecutionMetadata m) {
    WorkflowExecutionStatus s = m.getStatus();
    return s.name().substring("WORKFLOW_EXECUTION_STATUS_".length());
  }

  private static RunStatus catalogStatus(Platform p, String runId) {
    try {
      return p.catalog.progress().status(runId);
    } catch (NoSuchRunException e) {
      return null; // launched with another catalog
    }
  }

  private String unreachable() {
    TemporalTarget t = global.target();
    if (t instanceof TemporalTarget.Local) {
      return "the local Temporal server is not running: no worker works on any run until"
          + " 'connectome resume RUN' or 'connectome run SPEC' starts it";
    }
    return t instanceof TemporalTarget.InMemory
        ? "in-memory Temporal: only its own process knows"
        : "Temporal unreachable";
  }
}
