package org.connectome.k8s.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.TaskFailure;
import org.connectome.executor.TaskResult;
import org.connectome.executor.k8s.KubernetesExecutorConfig;
import org.connectome.layout.RunLayout;
import org.connectome.layout.SampleFactsResolver;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.CodeVersion;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.Planners;
import org.connectome.pipeline.StepConfig;
import org.connectome.pipeline.StepPlan;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.spec.TolerationSpec;
import org.connectome.task.TaskDefinition;
import org.connectome.units.UnitRange;

/**
 * Steps of a small synthetic run planned into the cluster's data folder (their {@code step.json}
 * written as the planning activity writes it), shard requests for them, and a listener that records
 * what the executor reports.
 */
final class ClusterSteps {
  /** What lets a pod onto the kwok nodes (tainted so that only such pods land there). */
  static final List<TolerationSpec> ON_KWOK =
      List.of(new TolerationSpec("kwok.x-k8s.io/node", "Equal", "fake", "NoSchedule"));

  private ClusterSteps() {}

  /** A run of one stitch step over {@code sections} sections, {@code stitchYaml} its settings. */
  static RunSpec spec(DevCluster cluster, String run, int sections, String stitchYaml)
      throws Exception {
    String text =
        """
        sample: jobs
        run: RUN
        dataRoot: DATA
        voxelSize: {x: 8, y: 8, z: 33}
        volume: {sections: SECTIONS, width: 512, height: 512}
        defaults:
          unitsPerTask: 1
          tasksPerShard: 8
          parallelism: 8
          retry: {maxAttempts: 3, initialBackoff: 10ms, maxBackoff: 50ms}
          resources: {cpu: 100m, memory: 256Mi}
        stages:
          - {stage: ingest, implementation: synthetic, params: {unitMillis: 1}}
          - STITCH
        """
            .replace("RUN", run)
            .replace("DATA", cluster.data.toString())
            .replace("SECTIONS", Integer.toString(sections))
            .replace("STITCH", stitchYaml);
    return new RunSpecLoader().parse(text, run + ".yaml", cluster.data);
  }

  /** The stitch step of {@code spec}, planned: its definition is on disk. */
  static StepConfig plan(RunSpec spec) throws Exception {
    StepConfig step =
        Pipeline.steps(spec).stream()
            .filter(s -> s.stage().equals("stitch"))
            .findFirst()
            .orElseThrow();
    RunLayout run = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run());
    StepPlan plan =
        StepPlan.of(
            Planners.of(step.stage(), step.step())
                .plan(step, SampleFactsResolver.resolve(spec, run)),
            step);
    new TaskDefinition(
            spec.runId(),
            step.stage(),
            step.step(),
            step.implementation(),
            step.params(),
            step.paramsHash(),
            CodeVersion.get(),
            plan,
            run.runDir().toString(),
            spec.acquisition(),
            step.container(),
            spec.voxelSize())
        .write(stepDir(spec, step).resolve("step.json"));
    return step;
  }

  static Path stepDir(RunSpec spec, StepConfig step) {
    return RunLayout.of(spec.dataRoot(), spec.sample(), spec.run())
        .step(step.stage(), step.step())
        .dir();
  }

  static StepLayout layout(RunSpec spec, StepConfig step) {
    return new StepLayout(stepDir(spec, step));
  }

  static ShardRequest request(RunSpec spec, StepConfig step, int attempt, UnitRange tasks) {
    return new ShardRequest(
        step, 0, List.of(tasks), stepDir(spec, step), attempt, spec.runId(), spec.executor());
  }

  /** The executor's settings for a test namespace: the task image, the data claim, quick looks. */
  static KubernetesExecutorConfig.Builder config(DevCluster cluster, String ns, String image) {
    return KubernetesExecutorConfig.builder(ns)
        .image(image)
        .serviceAccount("connectome-task")
        .dataClaim("connectome-data")
        .dataMountPath(cluster.data)
        .pollInterval(Duration.ofMillis(500))
        .stuckPodGrace(Duration.ofSeconds(2))
        .deleteTimeout(Duration.ofSeconds(60));
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

    TaskResult result(long task) {
      return finished.stream().filter(r -> r.task() == task).findFirst().orElseThrow();
    }
  }
}
