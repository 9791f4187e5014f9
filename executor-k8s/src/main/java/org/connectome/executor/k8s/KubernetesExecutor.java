package org.connectome.executor.k8s;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.connectome.executor.ExecutorException;
import org.connectome.executor.FailureClassifier;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.TaskFailure;
import org.connectome.executor.TaskResult;
import org.connectome.executor.Termination;
import org.connectome.layout.StepLayout;
import org.connectome.spec.ExecutorSpec;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskExitCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each shard as one Kubernetes Indexed Job: index k runs the k-th task of the shard,
 * Kubernetes retries each index on its own ({@code backoffLimitPerIndex}), evictions do not count
 * and the non-retryable exit codes fail an index at once ({@code podFailurePolicy}).
 *
 * <p>The parts: {@link JobFactory} renders the Job, {@link JobAdoption} finds the Job to follow (a
 * retried activity adopts the Job its predecessor created instead of running the tasks twice),
 * {@link JobFollower} follows it to the end of the shard's tasks, {@link JobDeletion} removes it
 * when the shard is cancelled or stuck. All of them reach the cluster through {@link JobApi} only,
 * whose reads of Jobs and pods come from this worker's {@link JobWatches}. Interrupting {@link
 * #runShard} deletes the Job and waits for it and its pods to be gone, unless the worker is closing
 * (then the Job is left for the retried activity to adopt). Transient API errors are retried
 * inside; past the bound the shard fails with an {@link ExecutorException}.
 */
public final class KubernetesExecutor implements StageExecutor {
  private static final Logger log = LoggerFactory.getLogger(KubernetesExecutor.class);

  private final ApiClient client;
  private final KubernetesExecutorConfig defaults;

  /** The watches of the Jobs and pods of every namespace this worker creates Jobs in. */
  private final JobWatches watches;

  /**
   * Set by {@link #close}: the worker is going away, and shards interrupted now leave their Jobs to
   * be adopted.
   */
  private volatile boolean closed;

  /**
   * @param client the API client: {@link #defaultClient()} in a cluster (service account) or with a
   *     kubeconfig
   * @param defaults the worker's settings; a run's {@code executor.kubernetes} settings are laid
   *     over them
   */
  public KubernetesExecutor(ApiClient client, KubernetesExecutorConfig defaults) {
    this.client = client;
    this.defaults = defaults;
    this.watches = new JobWatches(client);
  }

  /**
   * Marks the executor as closing: shards interrupted from now on (the worker shutting down) leave
   * their Jobs running for the retried activities to adopt, instead of deleting them as a cancelled
   * shard does.
   */
  @Override
  public void close() {
    closed = true;
    watches.close();
  }

  /**
   * In-cluster configuration when running in a pod, else {@code $KUBECONFIG} or {@code
   * ~/.kube/config}.
   */
  public static ApiClient defaultClient() throws IOException {
    ApiClient c = Config.defaultClient();
    c.setConnectTimeout(10_000);
    c.setReadTimeout(30_000);
    c.setWriteTimeout(30_000);
    return c;
  }

  public KubernetesExecutorConfig defaults() {
    return defaults;
  }

  @Override
  public String describe() {
    return "kubernetes (namespace "
        + defaults.namespace()
        + ", image "
        + (defaults.image() == null ? "from the run spec" : defaults.image())
        + ")";
  }

  /** The settings of one shard: the worker's defaults with the run's settings over them. */
  KubernetesExecutorConfig configFor(ShardRequest r) {
    ExecutorSpec e = r.executor();
    return e != null && ExecutorSpec.KUBERNETES.equals(e.type())
        ? defaults.withRunSettings(e.kubernetes())
        : defaults;
  }

  @Override
  public List<TaskResult> runShard(ShardRequest request, ShardListener listener)
      throws InterruptedException, ExecutorException {
    KubernetesExecutorConfig config = configFor(request);
    TaskDefinition definition = null;
    if (JobFactory.isContainerStep(request.step())) {
      try {
        definition = TaskDefinition.read(new StepLayout(request.stepDir()).definitionFile());
      } catch (IOException e) {
        return failAll(
            request,
            listener,
            new Termination(
                TaskExitCodes.BAD_DEFINITION,
                null,
                "cannot read "
                    + new StepLayout(request.stepDir()).definitionFile()
                    + ": "
                    + e.getMessage()));
      }
    }
    V1Job job;
    try {
      job = JobFactory.render(request, config, definition);
    } catch (JobFactory.InvalidShardException e) {
      return failAll(
          request, listener, new Termination(TaskExitCodes.BAD_DEFINITION, null, e.getMessage()));
    }
    JobApi api = api(config);
    String following = job.getMetadata().getName();
    try {
      JobAdoption.Obtained obtained = JobAdoption.obtain(request, config, api, job);
      if (obtained.job() == null) { // the API refused the Job: nothing was created
        return failAll(
            request,
            listener,
            new Termination(-1, FailureClassifier.JOB_REJECTED, obtained.rejection()));
      }
      following = obtained.job().getMetadata().getName();
      JobFollower follower = new JobFollower(request, listener, config, api, definition);
      follower.start(obtained.job());
      return follower.run();
    } catch (InterruptedException e) {
      if (closed) {
        // the worker shuts down (rolling update, scale-down): the Job runs on, and the activity,
        // retried on another worker, adopts it; deleting it would throw away the running tasks
        log.info(
            "{} shard {}: worker closing; Job {} left running for the retried activity to adopt",
            request.step().qualifiedName(),
            request.shard(),
            following);
      } else {
        JobDeletion.deleteAndWait(api, following, "the shard was interrupted", config);
      }
      throw e;
    }
  }

  /** The API for one shard: the shard's retry bounds, the watches of its namespace. */
  private JobApi api(KubernetesExecutorConfig config) throws InterruptedException {
    KubeApi calls =
        new KubeApi(config.apiAttempts(), config.apiInitialBackoff(), config.apiMaxBackoff());
    if (!config.watch()) {
      return new ClientJavaJobApi(client, config.namespace(), calls, null);
    }
    JobWatches.Caches caches = watches.of(config.namespace(), Duration.ofSeconds(10));
    if (!caches.synced()) {
      log.warn(
          "no watch of Jobs and pods in namespace {} yet (the worker's Role must allow jobs and"
              + " pods watch): asking the API server at every look",
          config.namespace());
    }
    return new ClientJavaJobApi(client, config.namespace(), calls, caches);
  }

  /** Every task of the shard fails the same way without running (nothing was created). */
  private static List<TaskResult> failAll(ShardRequest r, ShardListener listener, Termination why) {
    TaskFailure failure = FailureClassifier.classify(why, r.step().retry().nonRetryableExitCodes());
    log.warn(
        "{} shard {}: no Job created: {}", r.step().qualifiedName(), r.shard(), failure.message());
    return TaskResult.allFailed(r, listener, failure);
  }
}
