package org.connectome.executor.k8s;

import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobCondition;
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
import org.connectome.executor.TaskFailure;
import org.connectome.executor.TaskResult;
import org.connectome.executor.Termination;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.markers.MarkerStore;
import org.connectome.pipeline.StepConfig;
import org.connectome.task.TaskDefinition;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one shard's Job to the end of the tasks this execution wants from it: reports attempts
 * (pods) to the listener as they start and end, types every ending through {@link
 * FailureClassifier}, reads each index's outcome from the Job's {@code completedIndexes} and {@code
 * failedIndexes}, stops the Job when its pods cannot start (image pull, configuration), and turns a
 * {@code DeadlineExceeded} Job into timed-out tasks. It looks at the Job and its pods through
 * {@link JobApi}, served from the worker's watches: a look costs no request.
 *
 * <p>The units of a platform step are marked done by the task itself ({@code TaskRunner}, after
 * each unit's outputs); those of a container step, whose image knows nothing of markers, here and
 * only here: once the Job controller counts the index among {@code completedIndexes}.
 */
final class JobFollower {
  private static final Logger log = LoggerFactory.getLogger(JobFollower.class);

  /** One attempt of a task: a pod. */
  static final class Attempt {
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

  private final ShardRequest request;
  private final StepConfig step;
  private final ShardListener listener;
  private final KubernetesExecutorConfig config;
  private final JobApi api;
  private final TaskDefinition definition;
  private String jobName;
  private String jobUid;

  /** Job index → task, for the indices this execution reports. */
  final Map<Integer, Long> wanted = new LinkedHashMap<>();

  final Map<Integer, List<Attempt>> attempts = new HashMap<>();
  final Map<Integer, TaskResult> results = new HashMap<>();
  final Map<String, Long> stuckSince = new HashMap<>();

  JobFollower(
      ShardRequest request,
      ShardListener listener,
      KubernetesExecutorConfig config,
      JobApi api,
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
    while (true) {
      V1Job job = api.job(jobName);
      if (job == null) {
        throw new ExecutorException(
            "Job "
                + jobName
                + " disappeared before its tasks finished (deleted by "
                + "someone else, or its TTL is shorter than the poll interval); the shard will run again");
      }
      List<PodView> pods = api.pods(jobName, jobUid).stream().map(PodView::new).toList();
      observe(pods);
      Set<Long> completed =
          indexSet(job.getStatus() == null ? null : job.getStatus().getCompletedIndexes());
      Set<Long> failed =
          indexSet(job.getStatus() == null ? null : job.getStatus().getFailedIndexes());
      if (podsBehind(completed, failed, finished(job) != null)) {
        // the Job's watch told of an ending that the pods' watch has not delivered yet: the pods
        // as they are now, so that the ending is reported with its own exit code and reason
        pods = api.podsNow(jobName, jobUid).stream().map(PodView::new).toList();
        observe(pods);
      }
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
        JobDeletion.deleteAndWait(api, jobName, reason, config);
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

  /**
   * Whether the Job says an index this execution wants has ended (or the whole Job has) while the
   * last attempt seen of that index has not.
   */
  private boolean podsBehind(Set<Long> completed, Set<Long> failed, boolean jobEnded) {
    for (int k : wanted.keySet()) {
      if (results.containsKey(k)
          || !(jobEnded || completed.contains((long) k) || failed.contains((long) k))) {
        continue;
      }
      Attempt a = last(k);
      if (a == null || !a.ended) {
        return true;
      }
    }
    return false;
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

  /** A pod that has waited on an image pull or configuration error longer than the grace period. */
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
      listener.taskAttemptEnded(task, a.number, null, Duration.ZERO);
    }
    writeMarkers(k, a);
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
    return api.logTail(pod.name(), config.logTailLines());
  }

  /**
   * A container step's units are marked done by the executor when their task's container exits 0:
   * the facility's image knows nothing of markers. The platform's own tasks mark their units
   * themselves.
   */
  private void writeMarkers(int k, Attempt a) throws ExecutorException {
    if (!JobFactory.isContainerStep(step) || definition == null) {
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

  static Map<String, String> annotations(V1Job j) {
    Map<String, String> a = j.getMetadata() == null ? null : j.getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }

  static Set<Long> taskSet(List<UnitRange> ranges) {
    Set<Long> s = new HashSet<>();
    for (UnitRange r : ranges) {
      for (long t = r.from(); t < r.to(); t++) {
        s.add(t);
      }
    }
    return s;
  }
}
