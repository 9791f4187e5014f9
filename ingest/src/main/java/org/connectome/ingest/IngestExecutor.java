package org.connectome.ingest;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.connectome.executor.RoutingExecutor;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.local.LocalExecutor;
import org.connectome.executor.local.ThreadTaskLauncher;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitRunnerFactory;

/**
 * The reference ingest's executor: tasks run on threads of the worker (which sits next to the
 * microscope's storage and reaches the catalog), each unit a Spring Batch job, with the same
 * retries, task reports and markers as any other executor.
 */
public final class IngestExecutor {
  /** The routing key of the reference ingest. */
  public static final String ROUTE = RoutingExecutor.key("ingest", "reference");

  private IngestExecutor() {}

  /**
   * @param store the ingest store, which holds the manifest and the Spring Batch job repository
   * @param maxConcurrentSections sections ingested at once by this worker
   */
  public static StageExecutor create(
      IngestStore store, PrometheusRegistry registry, int maxConcurrentSections) {
    IngestBatch batch = new IngestBatch(store);
    IngestRepository repo = new IngestRepository(store);
    IngestMetrics metrics = new IngestMetrics(registry);
    UnitRunnerFactory runners =
        (def, layout) -> {
          if (!"ingest".equals(def.stage()) || !"reference".equals(def.implementation())) {
            throw new BadDefinitionException(
                "the ingest executor runs only the reference ingest, not "
                    + def.stage()
                    + "/"
                    + def.implementation());
          }
          return new IngestUnitRunner(batch, repo, metrics, def, layout);
        };
    return new LocalExecutor(new ThreadTaskLauncher(runners), maxConcurrentSections);
  }
}
