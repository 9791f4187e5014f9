package org.connectome.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunStatus;
import org.connectome.ingest.IngestReport;
import org.connectome.pipeline.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code status [RUN]}: runs and stages from the catalog. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Shows the runs in the catalog, or one run's stages and steps with unit counts and its recent "
            + "events. Reads only the catalog, so it works while another process drives the run.")
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

  @Override
  public Integer call() {
    try (Platform p = Platform.open(global)) {
      if (runId == null) {
        List<RunStatus> runs = new ArrayList<>();
        for (RunRecord r : p.catalog.listRuns(50)) {
          runs.add(p.catalog.status(r.runId()));
        }
        if (json) {
          System.out.println(Json.text(runs));
        } else {
          StatusTable.runs(System.out, runs);
        }
        return ExitCodes.OK;
      }
      Optional<RunRecord> r = RunRef.find(p.catalog, runId);
      if (r.isEmpty()) {
        return ExitCodes.NOT_FOUND;
      }
      RunStatus s = p.catalog.status(runId);
      if (json) {
        System.out.println(Json.text(s));
      } else {
        StatusTable.run(System.out, s, p.catalog.events(runId, events));
        String ingest = IngestReport.of(p.catalog.dataSource(), runId, 50);
        if (ingest != null) {
          System.out.println();
          System.out.println(ingest);
        }
      }
      return ExitCodes.OK;
    }
  }
}
