package org.connectome.executor.k8s;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.TaskFailure;
import org.connectome.executor.TaskResult;
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

  /** Records every call, in order, as text. */
  static final class Recorder implements ShardListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<TaskResult> finished = new CopyOnWriteArrayList<>();

    @Override
    public void taskStarted(long task, int attempt) {
      events.add("start " + task + "/" + attempt);
    }

    @Override
    public void taskAttemptEnded(long task, int attempt, TaskFailure failure, Duration duration) {
      events.add(
          "end " + task + "/" + attempt + " " + (failure == null ? "ok" : failure.kind().name()));
    }

    @Override
    public void taskFinished(TaskResult result) {
      finished.add(result);
      events.add("finished " + result.task());
    }

    long count(String prefix) {
      return events.stream().filter(e -> e.startsWith(prefix)).count();
    }

    /** Every started attempt ended exactly once. */
    boolean balanced() {
      for (String e : events) {
        if (e.startsWith("start ")) {
          String key = e.substring(6);
          long ends = events.stream().filter(x -> x.startsWith("end " + key + " ")).count();
          if (ends != 1) {
            return false;
          }
        }
      }
      return events.stream().filter(e -> e.startsWith("end ")).count() == count("start ");
    }
  }
}
