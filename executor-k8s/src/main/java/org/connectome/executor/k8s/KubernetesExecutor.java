package org.connectome.executor.k8s;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobCondition;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.connectome.executor.ExecutorException;
import org.connectome.executor.FailureClassifier;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.TaskFailure;
import org.connectome.executor.TaskResult;
import org.connectome.executor.Termination;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.markers.MarkerStore;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.ExecutorSpec;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskExitCodes;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each shard as one Kubernetes Indexed Job: index k runs the k-th task of the shard,
 * Kubernetes retries each index on its own ({@code backoffLimitPerIndex}), evictions do not count
 * and the non-retryable exit codes fail an index at once ({@code podFailurePolicy}). The executor
 * polls the Job and its pods, reports attempts to the listener as they start and end, turns every
 * way a pod ends into a typed failure through {@link FailureClassifier}, and stops a shard whose
 * pods cannot start (image pull, configuration).
 *
 * <p>Job names are deterministic per shard execution, so a retried activity (its worker died)
 * adopts the Job its predecessor created instead of running the tasks twice. Interrupting {@link
 * #runShard} deletes the Job and waits for it and its pods to be gone. Transient API errors are
 * retried inside; past the bound the shard fails with an {@link ExecutorException}, and the retried
 * activity adopts the Job.
 */
public final class KubernetesExecutor implements StageExecutor {
  private static final Logger log = LoggerFactory.getLogger(KubernetesExecutor.class);

  private final ApiClient client;
  private final BatchV1Api batch;
  private final CoreV1Api core;
  private final KubernetesExecutorConfig defaults;

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
    this.batch = new BatchV1Api(client);
    this.core = new CoreV1Api(client);
    this.defaults = defaults;
  }

  /**
   * Marks the executor as closing: shards interrupted from now on (the worker shutting down) leave
   * their Jobs running for the retried activities to adopt, instead of deleting them as a cancelled
   * shard does.
   */
  @Override
  public void close() {
    closed = true;
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
    KubeApi api =
        new KubeApi(config.apiAttempts(), config.apiInitialBackoff(), config.apiMaxBackoff());
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
    Follow follow = new Follow(request, listener, config, api, definition);
    follow.jobName = job.getMetadata().getName();
    try {
      V1Job live = obtain(request, config, api, job, follow);
      if (live == null) { // the API refused the Job: nothing was created
        return failAll(
            request,
            listener,
            new Termination(-1, FailureClassifier.JOB_REJECTED, follow.rejection));
      }
      follow.start(live);
      return follow.run();
    } catch (InterruptedException e) {
      if (closed) {
        // the worker shuts down (rolling update, scale-down): the Job runs on, and the activity,
        // retried on
        // another worker, adopts it; deleting it would throw away the running tasks
        log.info(
            "{} shard {}: worker closing; Job {} left running for the retried activity to adopt",
            request.step().qualifiedName(),
            request.shard(),
            follow.jobName);
      } else {
        stop(config, api, follow.jobName, "the shard was interrupted");
      }
      throw e;
    }
  }

  /** Every task of the shard fails the same way without running (nothing was created). */
  private static List<TaskResult> failAll(ShardRequest r, ShardListener listener, Termination why) {
    TaskFailure failure = FailureClassifier.classify(why, r.step().retry().nonRetryableExitCodes());
    log.warn(
        "{} shard {}: no Job created: {}", r.step().qualifiedName(), r.shard(), failure.message());
    List<TaskResult> out = new ArrayList<>();
    for (UnitRange range : r.tasks()) {
      for (long t = range.from(); t < range.to(); t++) {
        TaskResult res = new TaskResult(t, 0, failure, null, Duration.ZERO);
        listener.taskFinished(res);
        out.add(res);
      }
    }
    return out;
  }

  /**
   * The shard's Job: the one this execution created before (same name and key), an unfinished one
   * of an earlier execution of the shard that covers its tasks, or a new one. Null when the API
   * refused the Job.
   */
  private V1Job obtain(
      ShardRequest r, KubernetesExecutorConfig config, KubeApi api, V1Job job, Follow follow)
      throws InterruptedException, ExecutorException {
    String ns = config.namespace();
    String name = job.getMetadata().getName();
    String key = JobNaming.key(r);
    V1Job existing = read(api, ns, name);
    if (existing != null) {
      checkKey(existing, key, name);
      if (finished(existing) == null) {
        log.info("{} shard {}: adopting running Job {}", r.step().qualifiedName(), r.shard(), name);
        return existing;
      }
      // a finished Job of the same name: a new execution of the shard (stage resumed, failed units
      // retried)
      // with the same activity attempt; its tasks must run again, not be read from the old Job
      stop(config, api, name, "finished Job of an earlier execution; the shard runs again");
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while replacing Job " + name);
      }
    }
    V1Job earlier = earlierExecution(r, config, api);
    if (earlier != null) {
      follow.jobName = earlier.getMetadata().getName();
      log.info(
          "{} shard {}: adopting Job {} of an earlier execution of the shard",
          r.step().qualifiedName(),
          r.shard(),
          follow.jobName);
      return earlier;
    }
    try {
      V1Job created =
          api.call("create Job " + name, () -> batch.createNamespacedJob(ns, job).execute());
      log.info(
          "{} shard {}: created Job {} ({} tasks: {})",
          r.step().qualifiedName(),
          r.shard(),
          name,
          Ranges.count(r.tasks()),
          Ranges.format(r.tasks()));
      return created;
    } catch (ApiException e) {
      if (e.getCode()
          == 409) { // created meanwhile, by our own earlier try or another worker: adopt it
        V1Job again = read(api, ns, name);
        if (again == null) {
          throw new ExecutorException("Job " + name + " conflicts on create but cannot be read", e);
        }
        if (finished(again) != null) {
          throw new ExecutorException(
              "Job " + name + " of an earlier execution is still being deleted", e);
        }
        checkKey(again, key, name);
        log.info(
            "{} shard {}: Job {} already created; adopting it",
            r.step().qualifiedName(),
            r.shard(),
            name);
        return again;
      }
      if (e.getCode() == 400 || e.getCode() == 422) {
        follow.rejection = "Job " + name + ": " + KubeApi.describe(e);
        return null;
      }
      throw new ExecutorException(
          "Kubernetes API: create Job "
              + name
              + " in namespace "
              + ns
              + " failed: "
              + KubeApi.describe(e)
              + (e.getCode() == 403 ? " (check the worker's Role: jobs create)" : ""),
          e);
    }
  }

  private static void checkKey(V1Job existing, String key, String name) throws ExecutorException {
    String theirs = annotations(existing).get(JobNaming.ANN_KEY);
    if (!key.equals(theirs)) {
      throw new ExecutorException(
          "a Job named "
              + name
              + " exists but belongs to another shard execution (key "
              + theirs
              + ", expected "
              + key
              + "); delete it or let its TTL remove it");
    }
  }

  /**
   * An unfinished Job of an earlier execution of the shard; one that cannot serve this execution is
   * deleted.
   */
  private V1Job earlierExecution(ShardRequest r, KubernetesExecutorConfig config, KubeApi api)
      throws InterruptedException, ExecutorException {
    String selector = JobNaming.selector(JobNaming.shardSelector(r));
    List<V1Job> jobs;
    try {
      jobs =
          api.call(
                  "list Jobs " + selector,
                  () ->
                      batch.listNamespacedJob(config.namespace()).labelSelector(selector).execute())
              .getItems();
    } catch (ApiException e) {
      throw new ExecutorException("Kubernetes API: list Jobs failed: " + KubeApi.describe(e), e);
    }
    Set<Long> wanted = taskSet(r.tasks());
    V1Job best = null;
    for (V1Job j : jobs) {
      Map<String, String> a = annotations(j);
      if (!r.runId().equals(a.get(JobNaming.ANN_RUN_ID))
          || !r.step().paramsHash().equals(a.get(JobNaming.ANN_PARAMS_HASH))
          || j.getMetadata().getDeletionTimestamp() != null
          || finished(j) != null) {
        continue;
      }
      Set<Long> theirs =
          taskSet(Ranges.normalize(Ranges.parse(a.getOrDefault(JobNaming.ANN_TASKS, ""))));
      if (theirs.containsAll(wanted) && (best == null || attemptOf(j) > attemptOf(best))) {
        best = j;
      }
    }
    for (V1Job j : jobs) {
      Map<String, String> a = annotations(j);
      if (j != best
          && r.runId().equals(a.get(JobNaming.ANN_RUN_ID))
          && finished(j) == null
          && j.getMetadata().getDeletionTimestamp() == null) {
        // an unfinished Job of this shard that this execution does not follow would run tasks twice
        stop(
            config, api, j.getMetadata().getName(), "superseded by a later execution of the shard");
      }
    }
    return best;
  }

  private static int attemptOf(V1Job j) {
    try {
      return Integer.parseInt(annotations(j).getOrDefault(JobNaming.ANN_ATTEMPT, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Set<Long> taskSet(List<UnitRange> ranges) {
    Set<Long> s = new HashSet<>();
    for (UnitRange r : ranges) {
      for (long t = r.from(); t < r.to(); t++) {
        s.add(t);
      }
    }
    return s;
  }

  private V1Job read(KubeApi api, String ns, String name)
      throws InterruptedException, ExecutorException {
    try {
      return api.call("read Job " + name, () -> batch.readNamespacedJob(name, ns).execute());
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw new ExecutorException(
          "Kubernetes API: read Job " + name + " failed: " + KubeApi.describe(e), e);
    }
  }

  private List<PodView> pods(KubeApi api, String ns, String jobName, String jobUid)
      throws InterruptedException, ExecutorException {
    try {
      List<V1Pod> items =
          api.call(
                  "list pods of Job " + jobName,
                  () ->
                      core.listNamespacedPod(ns)
                          .labelSelector("batch.kubernetes.io/job-name=" + jobName)
                          .execute())
              .getItems();
      List<PodView> out = new ArrayList<>();
      for (V1Pod p : items) {
        if (jobUid == null || ownedBy(p, jobUid)) {
          out.add(new PodView(p));
        }
      }
      return out;
    } catch (ApiException e) {
      throw new ExecutorException(
          "Kubernetes API: list pods of Job "
              + jobName
              + " failed: "
              + KubeApi.describe(e)
              + (e.getCode() == 403 ? " (check the worker's Role: pods list)" : ""),
          e);
    }
  }

  private static boolean ownedBy(V1Pod p, String uid) {
    List<V1OwnerReference> owners = p.getMetadata().getOwnerReferences();
    if (owners == null || owners.isEmpty()) {
      return true; // no owner recorded: the name label decides
    }
    return owners.stream().anyMatch(o -> uid.equals(o.getUid()));
  }

  /** The Job's terminal condition (Complete or Failed, True), or null while it runs. */
  static V1JobCondition finished(V1Job j) {
    if (j.getStatus() == null || j.getStatus().getConditions() == null) {
      return null;
    }
    for (V1JobCondition c : j.getStatus().getConditions()) {
      if (("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
          && "True".equals(c.getStatus())) {
        return c;
      }
    }
    return null;
  }

  private static Map<String, String> annotations(V1Job j) {
    Map<String, String> a = j.getMetadata() == null ? null : j.getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }

  /**
   * Deletes a Job (propagation Background) and waits, at most the configured time, until it and its
   * pods are gone. Runs even when the thread was interrupted: that interrupt is the caller's to
   * report (it throws {@link InterruptedException}); one that arrives during the wait is kept on
   * the thread.
   */
  void stop(KubernetesExecutorConfig config, KubeApi ignored, String name, String why) {
    Thread.interrupted();
    boolean interrupted = false;
    long deadline = System.nanoTime() + config.deleteTimeout().toNanos();
    // cleanup gets its own short retries: the caller's bound may be spent already
    KubeApi api =
        new KubeApi(
            Math.max(3, config.apiAttempts()),
            config.apiInitialBackoff(),
            Duration.ofMillis(Math.min(config.apiMaxBackoff().toMillis(), 5000)));
    String ns = config.namespace();
    log.info("deleting Job {}: {}", name, why);
    try {
      while (System.nanoTime() < deadline) {
        try {
          api.call(
              "delete Job " + name,
              () ->
                  client.execute(
                      batch
                          .deleteNamespacedJob(name, ns)
                          .propagationPolicy("Background")
                          .buildCall(null)));
          break;
        } catch (ApiException e) {
          if (e.getCode() == 404) {
            break;
          }
          log.warn("delete Job {} failed: {}", name, KubeApi.describe(e));
          Thread.sleep(config.pollInterval().toMillis());
        } catch (ExecutorException e) {
          log.warn("delete Job {} failed: {}", name, e.getMessage());
        }
      }
      boolean jobGone = false;
      while (System.nanoTime() < deadline) {
        try {
          if (!jobGone) {
            jobGone = read(api, ns, name) == null;
          }
          if (jobGone && pods(api, ns, name, null).isEmpty()) {
            log.info("Job {} and its pods are gone", name);
            return;
          }
        } catch (ExecutorException e) {
          log.warn("waiting for Job {} to be gone: {}", name, e.getMessage());
        }
        Thread.sleep(config.pollInterval().toMillis());
      }
      log.warn(
          "Job {} {} still there after {}",
          name,
          jobGone ? "is gone but pods are" : "is",
          config.deleteTimeout());
    } catch (InterruptedException e) {
      interrupted = true;
      log.warn("stopped waiting for Job {} to be gone: interrupted again", name);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** One attempt of a task: a pod. */
  private static final class Attempt {
    final String pod;
    final int number;
    boolean started;
    boolean ended;
    TaskFailure failure;
    Duration duration = Duration.ZERO;
    PodView view;

    Attempt(String pod, int number) {
      this.pod = pod;
      this.number = number;
    }
  }

  /** Follows one Job to the end of the shard's tasks. */
  private final class Follow {
    final ShardRequest request;
    final StepConfig step;
    final ShardListener listener;
    final KubernetesExecutorConfig config;
    final KubeApi api;
    final TaskDefinition definition;
    String jobName;
    String rejection;
    String jobUid;

    /** Job index → task, for the indices this execution reports. */
    final Map<Integer, Long> wanted = new LinkedHashMap<>();

    final Map<Integer, List<Attempt>> attempts = new HashMap<>();
    final Map<Integer, TaskResult> results = new HashMap<>();
    final Set<Integer> markersWritten = new HashSet<>();
    final Map<String, Long> stuckSince = new HashMap<>();

    Follow(
        ShardRequest request,
        ShardListener listener,
        KubernetesExecutorConfig config,
        KubeApi api,
        TaskDefinition definition) {
      this.request = request;
      this.step = request.step();
      this.listener = listener;
      this.config = config;
      this.api = api;
      this.definition = definition;
    }

    void start(V1Job job) throws ExecutorException {
      jobName = job.getMetadata().getName();
      jobUid = job.getMetadata().getUid();
      String tasks =
          annotations(job).getOrDefault(JobNaming.ANN_TASKS, Ranges.format(request.tasks()));
      List<UnitRange> jobTasks = Ranges.normalize(Ranges.parse(tasks));
      Set<Long> want = taskSet(request.tasks());
      long n = Ranges.count(jobTasks);
      for (int k = 0; k < n; k++) {
        long t = Ranges.nth(jobTasks, k);
        if (want.remove(t)) {
          wanted.put(k, t);
        }
      }
      if (!want.isEmpty()) {
        throw new ExecutorException(
            "Job " + jobName + " does not run tasks " + want + " of shard " + request.shard());
      }
    }

    List<TaskResult> run() throws InterruptedException, ExecutorException {
      String ns = config.namespace();
      while (true) {
        V1Job job = read(api, ns, jobName);
        if (job == null) {
          throw new ExecutorException(
              "Job "
                  + jobName
                  + " disappeared before its tasks finished (deleted by "
                  + "someone else, or its TTL is shorter than the poll interval); the shard will run again");
        }
        List<PodView> pods = pods(api, ns, jobName, jobUid);
        observe(pods);
        Set<Long> completed =
            indexSet(job.getStatus() == null ? null : job.getStatus().getCompletedIndexes());
        Set<Long> failed =
            indexSet(job.getStatus() == null ? null : job.getStatus().getFailedIndexes());
        for (Map.Entry<Integer, Long> w : wanted.entrySet()) {
          int k = w.getKey();
          if (results.containsKey(k)) {
            continue;
          }
          if (completed.contains((long) k)) {
            succeed(k);
          } else if (failed.contains((long) k)) {
            fail(k, null);
          }
        }
        PodView stuck = stuck(pods);
        if (stuck != null && results.size() < wanted.size()) {
          String reason = stuck.stuckReason();
          String message =
              "pod "
                  + stuck.name()
                  + " cannot start the container (image "
                  + JobFactory.image(step, config)
                  + ")"
                  + (stuck.stuckMessage() == null ? "" : ": " + stuck.stuckMessage());
          log.warn(
              "{} shard {}: {} ({}); stopping Job {}",
              step.qualifiedName(),
              request.shard(),
              message,
              reason,
              jobName);
          stop(config, api, jobName, reason);
          if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while stopping Job " + jobName);
          }
          Termination why = new Termination(-1, reason, message);
          for (int k : wanted.keySet()) {
            if (!results.containsKey(k)) {
              fail(k, why);
            }
          }
          return ordered();
        }
        V1JobCondition end = finished(job);
        if (end != null) {
          for (int k : wanted.keySet()) {
            if (results.containsKey(k)) {
              continue;
            }
            if ("Complete".equals(end.getType())) {
              succeed(k);
            } else if ("DeadlineExceeded".equals(end.getReason())) {
              fail(
                  k,
                  new Termination(
                      -1,
                      "DeadlineExceeded",
                      "the shard ran past its timeout of "
                          + step.timeout()
                          + " (Job "
                          + jobName
                          + ")"));
            } else {
              fail(k, null);
            }
          }
        }
        if (results.size() == wanted.size()) {
          return ordered();
        }
        Thread.sleep(config.pollInterval().toMillis());
      }
    }

    private List<TaskResult> ordered() {
      List<TaskResult> out = new ArrayList<>();
      for (int k : wanted.keySet()) {
        out.add(results.get(k));
      }
      out.sort(Comparator.comparingLong(TaskResult::task));
      return out;
    }

    /** Reports attempts that started or ended since the last look. */
    private void observe(List<PodView> pods) throws ExecutorException {
      Map<Integer, List<PodView>> byIndex = new HashMap<>();
      for (PodView p : pods) {
        if (wanted.containsKey(p.index())) {
          byIndex.computeIfAbsent(p.index(), k -> new ArrayList<>()).add(p);
        }
      }
      for (Map.Entry<Integer, List<PodView>> e : byIndex.entrySet()) {
        int k = e.getKey();
        if (results.containsKey(k)) {
          continue;
        }
        List<PodView> list = e.getValue();
        list.sort(Comparator.comparing(PodView::created).thenComparing(PodView::name));
        List<Attempt> known = attempts.computeIfAbsent(k, x -> new ArrayList<>());
        int order = 0;
        for (PodView p : list) {
          order++;
          Attempt a = known.stream().filter(x -> x.pod.equals(p.name())).findFirst().orElse(null);
          if (a == null) {
            int n = p.attemptFromAnnotations();
            a = new Attempt(p.name(), n > 0 ? n : order);
            known.add(a);
          }
          a.view = p;
          long task = wanted.get(k);
          if (!a.started && (!"Pending".equals(p.phase()) || p.terminal())) {
            a.started = true;
            listener.taskStarted(task, a.number);
          }
          if (!a.ended && p.terminal()) {
            a.duration = p.duration();
            a.failure =
                p.succeeded()
                    ? null
                    : FailureClassifier.classify(
                        p.termination(), step.retry().nonRetryableExitCodes());
            if (a.failure == null) {
              writeMarkers(k, a);
            }
            a.ended = true;
            listener.taskAttemptEnded(task, a.number, a.failure, a.duration);
          }
        }
        // a pod that vanished while it ran (deleted, node gone): its attempt ended
        for (Attempt a : known) {
          if (a.started && !a.ended && list.stream().noneMatch(p -> p.name().equals(a.pod))) {
            a.ended = true;
            a.failure =
                FailureClassifier.classify(
                    new Termination(-1, FailureClassifier.POD_DELETED, "pod " + a.pod),
                    step.retry().nonRetryableExitCodes());
            listener.taskAttemptEnded(wanted.get(k), a.number, a.failure, a.duration);
          }
        }
      }
    }

    /**
     * A pod that has waited on an image pull or configuration error longer than the grace period.
     */
    private PodView stuck(List<PodView> pods) {
      long now = System.nanoTime();
      Set<String> still = new HashSet<>();
      PodView found = null;
      for (PodView p : pods) {
        if (p.stuckReason() == null) {
          continue;
        }
        still.add(p.name());
        long since = stuckSince.computeIfAbsent(p.name(), x -> now);
        if (found == null && now - since >= config.stuckPodGrace().toNanos()) {
          found = p;
        }
      }
      stuckSince.keySet().retainAll(still);
      return found;
    }

    private Attempt last(int k) {
      List<Attempt> known = attempts.get(k);
      return known == null || known.isEmpty()
          ? null
          : known.stream().max(Comparator.comparingInt(a -> a.number)).orElse(null);
    }

    private void succeed(int k) throws ExecutorException {
      long task = wanted.get(k);
      Attempt a = null;
      List<Attempt> known = attempts.getOrDefault(k, List.of());
      for (Attempt x : known) {
        if (x.ended && x.failure == null) {
          a = x;
        }
      }
      if (a == null) { // the pod came and went between two looks
        Attempt l = last(k);
        a = new Attempt("(gone)", l == null ? 1 : l.ended ? l.number + 1 : l.number);
        closeOpen(k, null);
        listener.taskStarted(task, a.number);
        writeMarkers(k, a);
        listener.taskAttemptEnded(task, a.number, null, Duration.ZERO);
      }
      TaskResult r = new TaskResult(task, a.number, null, null, a.duration);
      results.put(k, r);
      listener.taskFinished(r);
    }

    /**
     * The index failed for good: with {@code why} when the Job says more than its pods, else as its
     * last pod.
     */
    private void fail(int k, Termination why) throws InterruptedException {
      long task = wanted.get(k);
      List<Attempt> known = attempts.getOrDefault(k, List.of());
      Attempt lastFailed = null;
      for (Attempt x : known) {
        if (x.ended && x.failure != null && (lastFailed == null || x.number >= lastFailed.number)) {
          lastFailed = x;
        }
      }
      TaskFailure failure;
      Attempt a;
      if (why != null || lastFailed == null) {
        Termination t =
            why != null
                ? why
                : new Termination(
                    -1, null, "index " + k + " of Job " + jobName + " failed; its pods are gone");
        failure = FailureClassifier.classify(t, step.retry().nonRetryableExitCodes());
        Attempt open =
            known.stream()
                .filter(x -> !x.ended)
                .max(Comparator.comparingInt(x -> x.number))
                .orElse(null);
        a = open != null ? open : lastFailed != null ? lastFailed : null;
        if (a == null) {
          Attempt l = last(k);
          a = new Attempt("(none)", l == null ? 1 : l.number);
        }
        if (!a.started) {
          a.started = true;
          listener.taskStarted(task, a.number);
        }
        closeOpen(k, failure);
        if (!a.ended) {
          a.ended = true;
          a.failure = failure;
          listener.taskAttemptEnded(task, a.number, failure, a.duration);
        }
      } else {
        a = lastFailed;
        failure = lastFailed.failure;
        closeOpen(k, failure);
      }
      String tail = a.view == null ? null : logTail(a.view);
      TaskResult r = new TaskResult(task, Math.max(1, a.number), failure, tail, a.duration);
      results.put(k, r);
      listener.taskFinished(r);
    }

    /** Ends the listener's view of attempts still open: the index is finished. */
    private void closeOpen(int k, TaskFailure failure) {
      for (Attempt x : attempts.getOrDefault(k, List.of())) {
        if (x.started && !x.ended) {
          x.ended = true;
          x.failure = failure;
          listener.taskAttemptEnded(wanted.get(k), x.number, failure, x.duration);
        }
      }
    }

    private String logTail(PodView pod) throws InterruptedException {
      try {
        String text =
            new KubeApi(2, config.apiInitialBackoff(), config.apiMaxBackoff())
                .call(
                    "log of " + pod.name(),
                    () ->
                        core.readNamespacedPodLog(pod.name(), config.namespace())
                            .container(JobFactory.CONTAINER)
                            .tailLines(config.logTailLines())
                            .limitBytes(16 * 1024)
                            .execute());
        return text == null || text.isBlank() ? null : text.strip();
      } catch (ApiException e) {
        return "(no log of pod " + pod.name() + ": " + KubeApi.describe(e) + ")";
      } catch (ExecutorException e) {
        return "(no log of pod " + pod.name() + ": " + e.getMessage() + ")";
      }
    }

    /**
     * A container step's units are marked done by the executor when their task's container exits 0:
     * the facility's image knows nothing of markers. The platform's own tasks mark their units
     * themselves.
     */
    private void writeMarkers(int k, Attempt a) throws ExecutorException {
      if (!JobFactory.isContainerStep(step) || definition == null || !markersWritten.add(k)) {
        return;
      }
      long task = wanted.get(k);
      UnitRange units = definition.plan().grouping().unitsOfTask(task);
      MarkerStore markers = new MarkerStore(new StepLayout(request.stepDir()).markersDir());
      Instant end = Instant.now();
      Instant start = end.minus(a.duration);
      String host = a.view == null ? a.pod : a.pod + "@" + Objects.toString(a.view.nodeName(), "?");
      try {
        Files.createDirectories(new StepLayout(request.stepDir()).markersDir());
        for (long u = units.from(); u < units.to(); u++) {
          markers.write(
              new CompletionMarker(
                  step.stage(),
                  step.step(),
                  u,
                  step.paramsHash(),
                  JobFactory.image(step, config),
                  a.number,
                  task,
                  host,
                  start,
                  end));
        }
      } catch (IOException e) {
        markersWritten.remove(k);
        throw new ExecutorException(
            "task "
                + task
                + " of "
                + step.qualifiedName()
                + " succeeded but its markers "
                + "cannot be written: "
                + e.getMessage(),
            e);
      }
    }
  }

  /** Indices of a Job status field such as {@code 0-2,5}. */
  static Set<Long> indexSet(String s) {
    Set<Long> out = new HashSet<>();
    if (s == null || s.isBlank()) {
      return out;
    }
    for (UnitRange r : Ranges.parse(s)) {
      for (long i = r.from(); i < r.to(); i++) {
        out.add(i);
      }
    }
    return out;
  }
}
