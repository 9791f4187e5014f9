package org.connectome.executor.k8s;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A test double of Kubernetes' Job controller and kubelet, over fabric8's CRUD mock: creates one
 * pod per index (at most {@code parallelism} at once), plays each pod per a script (exit codes,
 * OOMKilled, eviction, image pull errors, or the pod's real command as a local process), and keeps
 * the Job's status as the real controller does: {@code completedIndexes}, {@code failedIndexes},
 * per-index failure counts on the pods' annotations honouring {@code backoffLimitPerIndex} and the
 * {@code podFailurePolicy} (Ignore, FailIndex, Count), the deadline, and the terminal conditions.
 * Pods of deleted Jobs are deleted (garbage collection) and their processes killed.
 */
final class FakeJobController implements AutoCloseable {
  /**
   * The outcome of attempt {@code attempt} (from 1, counting every pod of the index) of index
   * {@code index}.
   */
  @FunctionalInterface
  interface Script {
    Outcome outcome(String job, int index, int attempt);
  }

  private final KubernetesClient client;
  private final String ns;
  private final FaultyDispatcher dispatcher;
  private volatile Script script;
  private final Thread thread;
  private volatile boolean closed;
  private final Map<String, JobRun> runs = new ConcurrentHashMap<>();
  final AtomicInteger podsCreated = new AtomicInteger();

  /** Every pod this double ran: job name → index → outcomes in order. */
  final Map<String, Map<Integer, List<Outcome.Kind>>> history = new ConcurrentHashMap<>();

  volatile Throwable error;

  FakeJobController(
      KubernetesClient client, String ns, FaultyDispatcher dispatcher, Script script) {
    this.client = client;
    this.ns = ns;
    this.dispatcher = dispatcher;
    this.script = script;
    this.thread = new Thread(this::loop, "fake-job-controller");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  void script(Script s) {
    this.script = s;
  }

  private final class JobRun {
    final String name;
    final String uid;
    final Instant start = Instant.now();
    final Map<Integer, Idx> idx = new TreeMap<>();
    boolean finished;
    String lastStatus = "";
    int failedPods;

    JobRun(String name, String uid) {
      this.name = name;
      this.uid = uid;
    }
  }

  private static final class Idx {
    int failures;
    int ignored;
    int created;
    boolean completed;
    boolean failed;
    PodRun active;
  }

  private static final class PodRun {
    final String name;
    final int index;
    final int attempt;
    final Outcome outcome;
    Pod pod;
    boolean running;
    boolean waiting;
    long runningSince;
    Process process;
    final StringBuilder log = new StringBuilder();

    PodRun(String name, int index, int attempt, Outcome outcome, Pod pod) {
      this.name = name;
      this.index = index;
      this.attempt = attempt;
      this.outcome = outcome;
      this.pod = pod;
    }
  }

  private void loop() {
    while (!closed) {
      try {
        tick();
      } catch (Throwable t) {
        if (!closed) {
          error = t;
          System.err.println("fake job controller: " + t);
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void tick() {
    List<Job> jobs = client.batch().v1().jobs().inNamespace(ns).list().getItems();
    Set<String> live = jobs.stream().map(j -> j.getMetadata().getUid()).collect(Collectors.toSet());
    for (Job job : jobs) {
      JobRun run =
          runs.computeIfAbsent(
              job.getMetadata().getUid(), u -> new JobRun(job.getMetadata().getName(), u));
      if (run.finished || Boolean.TRUE.equals(job.getSpec().getSuspend())) {
        continue;
      }
      advance(run, job);
    }
    // garbage collection: the pods of deleted Jobs go, their processes are killed
    for (Map.Entry<String, JobRun> e : runs.entrySet()) {
      if (!live.contains(e.getKey())) {
        for (Idx i : e.getValue().idx.values()) {
          if (i.active != null) {
            kill(i.active);
          }
        }
        runs.remove(e.getKey());
      }
    }
    Set<String> liveNames =
        jobs.stream().map(j -> j.getMetadata().getName()).collect(Collectors.toSet());
    for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
      String owner =
          p.getMetadata().getLabels() == null
              ? null
              : p.getMetadata().getLabels().get("batch.kubernetes.io/job-name");
      if (owner != null && !liveNames.contains(owner)) {
        client.pods().inNamespace(ns).withName(p.getMetadata().getName()).delete();
      }
    }
  }

  private void advance(JobRun run, Job job) {
    int completions = job.getSpec().getCompletions();
    int parallelism = job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism();
    int backoff =
        job.getSpec().getBackoffLimitPerIndex() == null
            ? 6
            : job.getSpec().getBackoffLimitPerIndex();
    for (int k = 0; k < completions; k++) {
      run.idx.computeIfAbsent(k, x -> new Idx());
    }
    Long deadline = job.getSpec().getActiveDeadlineSeconds();
    if (deadline != null && Instant.now().isAfter(run.start.plusSeconds(deadline))) {
      for (Idx i : run.idx.values()) {
        if (i.active != null) {
          kill(i.active);
          client.pods().inNamespace(ns).withName(i.active.name).delete();
          i.active = null;
        }
      }
      run.finished = true;
      writeStatus(run, job, "DeadlineExceeded");
      return;
    }
    // play the active pods
    for (Map.Entry<Integer, Idx> e : run.idx.entrySet()) {
      Idx i = e.getValue();
      PodRun p = i.active;
      if (p == null) {
        continue;
      }
      if (!p.running && !p.waiting) {
        start(p, job);
        continue;
      }
      Integer exit = finished(p);
      if (exit == null) {
        continue;
      }
      terminate(p, exit);
      i.active = null;
      if (exit == 0) {
        i.completed = true;
        continue;
      }
      run.failedPods++;
      switch (action(job.getSpec().getPodFailurePolicy(), p.pod, exit)) {
        case "Ignore" -> i.ignored++;
        case "FailIndex" -> i.failed = true;
        case "FailJob" -> i.failed = true;
        default -> {
          i.failures++;
          if (i.failures > backoff) {
            i.failed = true;
          }
        }
      }
    }
    // new pods, up to parallelism
    long active = run.idx.values().stream().filter(i -> i.active != null).count();
    for (Map.Entry<Integer, Idx> e : run.idx.entrySet()) {
      Idx i = e.getValue();
      if (active >= parallelism) {
        break;
      }
      if (i.completed || i.failed || i.active != null) {
        continue;
      }
      i.active = create(run, job, e.getKey(), i);
      active++;
    }
    boolean allDone = run.idx.values().stream().allMatch(i -> i.completed || i.failed);
    if (allDone) {
      run.finished = true;
    }
    writeStatus(run, job, null);
  }

  private PodRun create(JobRun run, Job job, int index, Idx i) {
    i.created++;
    int attempt = i.created;
    Outcome outcome = script.outcome(run.name, index, attempt);
    history
        .computeIfAbsent(run.name, x -> new ConcurrentHashMap<>())
        .computeIfAbsent(index, x -> new java.util.concurrent.CopyOnWriteArrayList<>())
        .add(outcome.kind());
    String name =
        run.name + "-" + index + "-" + String.format("%05d", podsCreated.incrementAndGet());
    Map<String, String> labels = new LinkedHashMap<>();
    if (job.getSpec().getTemplate().getMetadata() != null
        && job.getSpec().getTemplate().getMetadata().getLabels() != null) {
      labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
    }
    labels.put("batch.kubernetes.io/job-name", run.name);
    labels.put("job-name", run.name);
    labels.put("batch.kubernetes.io/controller-uid", run.uid);
    labels.put("batch.kubernetes.io/job-completion-index", Integer.toString(index));
    Map<String, String> ann = new LinkedHashMap<>();
    ann.put("batch.kubernetes.io/job-completion-index", Integer.toString(index));
    ann.put("batch.kubernetes.io/job-index-failure-count", Integer.toString(i.failures));
    if (i.ignored > 0) {
      ann.put("batch.kubernetes.io/job-index-ignored-failure-count", Integer.toString(i.ignored));
    }
    PodSpec spec = Serialization.clone(job.getSpec().getTemplate().getSpec());
    spec.setNodeName("node-a");
    spec.setHostname(run.name + "-" + index);
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .withLabels(labels)
            .withAnnotations(ann)
            .withCreationTimestamp(now())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("batch/v1")
                    .withKind("Job")
                    .withName(run.name)
                    .withUid(run.uid)
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .withSpec(spec)
            .build();
    Pod created = client.pods().inNamespace(ns).resource(pod).create();
    created.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending").build());
    created = updateStatus(created);
    return new PodRun(name, index, attempt, outcome, created);
  }

  private void start(PodRun p, Job job) {
    String image = p.pod.getSpec().getContainers().get(0).getImage();
    switch (p.outcome.kind()) {
      case IMAGE_PULL -> {
        p.waiting = true;
        p.pod
            .getStatus()
            .setContainerStatuses(
                List.of(
                    waiting(
                        image, "ImagePullBackOff", "Back-off pulling image \"" + image + "\"")));
        p.pod = updateStatus(p.pod);
        return;
      }
      case CONFIG_ERROR -> {
        p.waiting = true;
        p.pod
            .getStatus()
            .setContainerStatuses(
                List.of(
                    waiting(
                        image,
                        "CreateContainerConfigError",
                        "secret \"facility-credentials\" not found")));
        p.pod = updateStatus(p.pod);
        return;
      }
      case RUN -> p.process = launch(p, job);
      default ->
          p.log
              .append("index ")
              .append(p.index)
              .append(" attempt ")
              .append(p.attempt)
              .append(": ")
              .append(p.outcome.kind())
              .append(p.outcome.kind() == Outcome.Kind.EXIT ? " " + p.outcome.exitCode() : "")
              .append('\n');
    }
    p.running = true;
    p.runningSince = System.nanoTime();
    p.pod.getStatus().setPhase("Running");
    p.pod.getStatus().setStartTime(now());
    p.pod
        .getStatus()
        .setContainerStatuses(
            List.of(
                new ContainerStatusBuilder()
                    .withName(JobFactory.CONTAINER)
                    .withImage(image)
                    .withImageID("")
                    .withReady(true)
                    .withRestartCount(0)
                    .withStarted(true)
                    .withNewState()
                    .withNewRunning()
                    .withStartedAt(now())
                    .endRunning()
                    .endState()
                    .build()));
    p.pod = updateStatus(p.pod);
    dispatcher.logs.put(p.name, p.log.toString());
  }

  /** The exit code once the pod's container has ended, else null. */
  private Integer finished(PodRun p) {
    if (p.waiting) {
      return null;
    }
    return switch (p.outcome.kind()) {
      case HANG -> null;
      case RUN -> p.process != null && !p.process.isAlive() ? p.process.exitValue() : null;
      default ->
          System.nanoTime() - p.runningSince >= p.outcome.millis() * 1_000_000L
              ? p.outcome.exitCode()
              : null;
    };
  }

  private void terminate(PodRun p, int exit) {
    String image = p.pod.getSpec().getContainers().get(0).getImage();
    String reason =
        exit == 0 ? "Completed" : p.outcome.kind() == Outcome.Kind.OOM ? "OOMKilled" : "Error";
    List<PodCondition> conditions = new ArrayList<>();
    if (p.outcome.kind() == Outcome.Kind.EVICT) {
      conditions.add(
          new PodConditionBuilder()
              .withType("DisruptionTarget")
              .withStatus("True")
              .withReason("TerminationByKubelet")
              .withMessage("The node was low on resource: memory.")
              .withLastTransitionTime(now())
              .build());
      p.pod.getStatus().setReason("Evicted");
      p.pod.getStatus().setMessage("The node was low on resource: memory.");
    }
    p.pod.getStatus().setConditions(conditions);
    p.pod.getStatus().setPhase(exit == 0 ? "Succeeded" : "Failed");
    p.pod
        .getStatus()
        .setContainerStatuses(
            List.of(
                new ContainerStatusBuilder()
                    .withName(JobFactory.CONTAINER)
                    .withImage(image)
                    .withImageID("")
                    .withReady(false)
                    .withRestartCount(0)
                    .withStarted(false)
                    .withNewState()
                    .withNewTerminated()
                    .withExitCode(exit)
                    .withReason(reason)
                    .withStartedAt(p.pod.getStatus().getStartTime())
                    .withFinishedAt(now())
                    .endTerminated()
                    .endState()
                    .build()));
    p.pod = updateStatus(p.pod);
    synchronized (p.log) {
      dispatcher.logs.put(p.name, p.log.toString());
    }
  }

  /**
   * Which podFailurePolicy action applies to a failed pod: the first matching rule's, else Count.
   */
  static String action(PodFailurePolicy policy, Pod pod, int exit) {
    if (policy == null || policy.getRules() == null) {
      return "Count";
    }
    for (PodFailurePolicyRule rule : policy.getRules()) {
      if (rule.getOnPodConditions() != null && !rule.getOnPodConditions().isEmpty()) {
        for (PodFailurePolicyOnPodConditionsPattern c : rule.getOnPodConditions()) {
          boolean has =
              pod.getStatus().getConditions() != null
                  && pod.getStatus().getConditions().stream()
                      .anyMatch(
                          pc ->
                              pc.getType().equals(c.getType())
                                  && pc.getStatus()
                                      .equals(c.getStatus() == null ? "True" : c.getStatus()));
          if (has) {
            return rule.getAction();
          }
        }
      }
      if (rule.getOnExitCodes() != null) {
        boolean in = rule.getOnExitCodes().getValues().contains(exit);
        if ("In".equals(rule.getOnExitCodes().getOperator()) ? in : !in && exit != 0) {
          return rule.getAction();
        }
      }
    }
    return "Count";
  }

  private void writeStatus(JobRun run, Job job, String failReason) {
    List<Integer> completed = new ArrayList<>();
    List<Integer> failed = new ArrayList<>();
    int active = 0;
    for (Map.Entry<Integer, Idx> e : run.idx.entrySet()) {
      if (e.getValue().completed) {
        completed.add(e.getKey());
      } else if (e.getValue().failed) {
        failed.add(e.getKey());
      }
      if (e.getValue().active != null) {
        active++;
      }
    }
    List<JobCondition> conditions = new ArrayList<>();
    if (failReason != null) {
      conditions.add(
          condition("FailureTarget", failReason, "Job was active longer than specified deadline"));
      conditions.add(
          condition("Failed", failReason, "Job was active longer than specified deadline"));
    } else if (run.finished) {
      if (failed.isEmpty()) {
        conditions.add(
            condition(
                "SuccessCriteriaMet",
                "CompletionsReached",
                "Reached expected number of succeeded pods"));
        conditions.add(
            condition(
                "Complete", "CompletionsReached", "Reached expected number of succeeded pods"));
      } else {
        conditions.add(condition("FailureTarget", "FailedIndexes", "Job has failed indexes"));
        conditions.add(condition("Failed", "FailedIndexes", "Job has failed indexes"));
      }
    }
    String c = compress(completed);
    String f = compress(failed);
    String key = c + "|" + f + "|" + active + "|" + conditions.size();
    if (key.equals(run.lastStatus)) {
      return;
    }
    JobStatus st = new JobStatus();
    st.setCompletedIndexes(c.isEmpty() ? null : c);
    st.setFailedIndexes(f.isEmpty() ? null : f);
    st.setActive(active);
    st.setSucceeded(completed.size());
    st.setFailed(run.failedPods);
    st.setStartTime(run.start.truncatedTo(ChronoUnit.SECONDS).toString());
    st.setConditions(conditions);
    job.setStatus(st);
    job.getMetadata().setResourceVersion(null);
    client.batch().v1().jobs().inNamespace(ns).resource(job).updateStatus();
    run.lastStatus = key;
  }

  private static JobCondition condition(String type, String reason, String message) {
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(now())
        .withLastProbeTime(now())
        .build();
  }

  /** {@code 0-2,5}: the form of completedIndexes and failedIndexes. */
  static String compress(List<Integer> sorted) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < sorted.size(); ) {
      int j = i;
      while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
        j++;
      }
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(sorted.get(i));
      if (j > i) {
        b.append('-').append(sorted.get(j));
      }
      i = j + 1;
    }
    return b.toString();
  }

  private Pod updateStatus(Pod pod) {
    pod.getMetadata().setResourceVersion(null);
    return client.pods().inNamespace(ns).resource(pod).updateStatus();
  }

  private static ContainerStatus waiting(String image, String reason, String message) {
    return new ContainerStatusBuilder()
        .withName(JobFactory.CONTAINER)
        .withImage(image)
        .withImageID("")
        .withReady(false)
        .withRestartCount(0)
        .withStarted(false)
        .withNewState()
        .withNewWaiting()
        .withReason(reason)
        .withMessage(message)
        .endWaiting()
        .endState()
        .build();
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * Runs the pod's command as the kubelet would: the environment resolved, {@code $(VAR)} expanded.
   */
  private Process launch(PodRun p, Job job) {
    var c = p.pod.getSpec().getContainers().get(0);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("JOB_COMPLETION_INDEX", Integer.toString(p.index));
    for (EnvVar v : c.getEnv()) {
      String value;
      if (v.getValueFrom() != null && v.getValueFrom().getFieldRef() != null) {
        value = field(p.pod, v.getValueFrom().getFieldRef().getFieldPath());
      } else {
        value = expand(Objects.toString(v.getValue(), ""), env);
      }
      env.put(v.getName(), value);
    }
    List<String> cmd = new ArrayList<>();
    for (String s : c.getCommand()) {
      cmd.add(expand(s, env));
    }
    if (c.getArgs() != null) {
      for (String s : c.getArgs()) {
        cmd.add(expand(s, env));
      }
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().putAll(env);
    try {
      Process proc = pb.start();
      Thread reader =
          new Thread(
              () -> {
                try (InputStream in = proc.getInputStream()) {
                  byte[] buf = new byte[8192];
                  int n;
                  while ((n = in.read(buf)) >= 0) {
                    synchronized (p.log) {
                      p.log.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                  }
                } catch (IOException ignored) {
                  // the process is gone
                }
              },
              "pod-log-" + p.name);
      reader.setDaemon(true);
      reader.start();
      return proc;
    } catch (IOException e) {
      p.log.append("cannot start ").append(cmd).append(": ").append(e.getMessage()).append('\n');
      throw new IllegalStateException(e);
    }
  }

  private static String field(Pod pod, String path) {
    if (path.equals("metadata.name")) {
      return pod.getMetadata().getName();
    }
    if (path.equals("metadata.namespace")) {
      return pod.getMetadata().getNamespace();
    }
    if (path.equals("spec.nodeName")) {
      return Objects.toString(pod.getSpec().getNodeName(), "");
    }
    if (path.startsWith("metadata.annotations['") && path.endsWith("']")) {
      String key = path.substring("metadata.annotations['".length(), path.length() - 2);
      Map<String, String> a = pod.getMetadata().getAnnotations();
      return a == null ? "" : a.getOrDefault(key, "");
    }
    if (path.startsWith("metadata.labels['") && path.endsWith("']")) {
      String key = path.substring("metadata.labels['".length(), path.length() - 2);
      Map<String, String> a = pod.getMetadata().getLabels();
      return a == null ? "" : a.getOrDefault(key, "");
    }
    throw new IllegalArgumentException("unsupported fieldRef " + path);
  }

  /**
   * Kubernetes' expansion: {@code $$} is {@code $}, {@code $(VAR)} a defined variable, anything
   * else as is.
   */
  static String expand(String s, Map<String, String> env) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '$' && i + 1 < s.length()) {
        char next = s.charAt(i + 1);
        if (next == '$') {
          b.append('$');
          i++;
          continue;
        }
        if (next == '(') {
          int close = s.indexOf(')', i + 2);
          if (close > 0) {
            String name = s.substring(i + 2, close);
            if (env.containsKey(name)) {
              b.append(env.get(name));
              i = close;
              continue;
            }
          }
        }
      }
      b.append(ch);
    }
    return b.toString();
  }

  private void kill(PodRun p) {
    Process proc = p.process;
    if (proc != null && proc.isAlive()) {
      proc.descendants().forEach(ProcessHandle::destroyForcibly);
      proc.destroyForcibly();
    }
  }

  /** Pods currently running, by name. */
  Map<String, Integer> activePods() {
    Map<String, Integer> out = new HashMap<>();
    for (JobRun r : runs.values()) {
      r.idx.forEach(
          (k, i) -> {
            if (i.active != null) {
              out.put(i.active.name, k);
            }
          });
    }
    return out;
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (JobRun r : runs.values()) {
      for (Idx i : r.idx.values()) {
        if (i.active != null) {
          kill(i.active);
        }
      }
    }
  }
}
