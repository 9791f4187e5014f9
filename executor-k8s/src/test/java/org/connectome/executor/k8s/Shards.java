package org.connectome.executor.k8s;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.connectome.executor.ShardRequest;
import org.connectome.pipeline.StepConfig;
import org.connectome.pipeline.TaskRetry;
import org.connectome.spec.ContainerSpec;
import org.connectome.spec.KubernetesStageSpec;
import org.connectome.spec.Resources;
import org.connectome.units.UnitRange;

/** Requests and a recording listener for executor tests. */
final class Shards {
  private Shards() {}

  static StepConfig step(
      String stage,
      String step,
      int maxAttempts,
      List<Integer> nonRetryable,
      Resources res,
      KubernetesStageSpec k8s,
      ContainerSpec container,
      String implementation) {
    return new StepConfig(
        "fly1/r7",
        "fly1",
        stage,
        step,
        0,
        implementation,
        Map.of("unitMillis", 1),
        container,
        k8s,
        2,
        100,
        4,
        2,
        new TaskRetry(maxAttempts, Duration.ofMillis(10), 2, Duration.ofMillis(50), nonRetryable),
        0,
        0,
        res,
        Duration.ofHours(1),
        "connectome",
        "p" + Integer.toHexString((stage + step).hashCode()));
  }

  static StepConfig step(int maxAttempts) {
    return step(
        "stitch",
        "stitch",
        maxAttempts,
        List.of(),
        new Resources("500m", "256Mi", 0),
        null,
        null,
        "synthetic");
  }

  static ShardRequest request(StepConfig step, long shard, int attempt, UnitRange... tasks) {
    return new ShardRequest(
        step,
        shard,
        List.of(tasks),
        Path.of("/data/fly1/r7/stages/" + step.stage() + "/" + step.step()),
        attempt,
        "fly1/r7",
        null);
  }
}
