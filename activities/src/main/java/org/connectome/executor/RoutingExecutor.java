package org.connectome.executor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends each step's shards to the executor for its stage and implementation ({@code
 * ingest/reference} runs inside the worker, next to the microscope's storage and the catalog),
 * everything else to the default.
 */
public final class RoutingExecutor implements StageExecutor {
  private final StageExecutor fallback;
  private final Map<String, StageExecutor> routes;

  /**
   * @param fallback the executor of every step without a route
   * @param routes executors by {@code stage/implementation}
   */
  public RoutingExecutor(StageExecutor fallback, Map<String, StageExecutor> routes) {
    this.fallback = fallback;
    this.routes = new LinkedHashMap<>(routes);
  }

  public static String key(String stage, String implementation) {
    return stage + "/" + implementation;
  }

  StageExecutor executorFor(ShardRequest request) {
    return routes.getOrDefault(
        key(request.step().stage(), request.step().implementation()), fallback);
  }

  @Override
  public List<TaskResult> runShard(ShardRequest request, ShardListener listener)
      throws InterruptedException, ExecutorException {
    return executorFor(request).runShard(request, listener);
  }

  @Override
  public String describe() {
    StringBuilder b = new StringBuilder(fallback.describe());
    routes.forEach((k, v) -> b.append("; ").append(k).append(": ").append(v.describe()));
    return b.toString();
  }

  @Override
  public void close() {
    fallback.close();
    routes.values().forEach(StageExecutor::close);
  }
}
