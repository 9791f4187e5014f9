package org.connectome.executor.k8s;

import io.kubernetes.client.openapi.models.V1ContainerState;
import io.kubernetes.client.openapi.models.V1ContainerStateTerminated;
import io.kubernetes.client.openapi.models.V1ContainerStateWaiting;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Set;
import org.connectome.executor.Termination;

/**
 * What the executor reads from one pod of a shard's Job: its index, attempt, state and how it
 * ended.
 */
final class PodView {
  static final String ANN_INDEX = "batch.kubernetes.io/job-completion-index";

  /** Waiting reasons of a pod that will not start without a change of its spec or the registry. */
  static final Set<String> STUCK =
      Set.of(
          "ImagePullBackOff",
          "ErrImagePull",
          "InvalidImageName",
          "ErrImageNeverPull",
          "RegistryUnavailable",
          "CreateContainerConfigError",
          "CreateContainerError");

  final V1Pod pod;

  PodView(V1Pod pod) {
    this.pod = pod;
  }

  String name() {
    return pod.getMetadata().getName();
  }

  /** The completion index, or -1 when the pod does not say. */
  int index() {
    String v = annotation(ANN_INDEX);
    if (v == null && pod.getMetadata().getLabels() != null) {
      v = pod.getMetadata().getLabels().get(ANN_INDEX);
    }
    try {
      return v == null ? -1 : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The attempt as the pod's wrapper computes it, or 0 when the Job controller set no failure
   * counts.
   */
  int attemptFromAnnotations() {
    String f = annotation(JobFactory.ANN_INDEX_FAILURES);
    String i = annotation(JobFactory.ANN_INDEX_IGNORED_FAILURES);
    if (f == null && i == null) {
      return 0;
    }
    return parse(f) + parse(i) + 1;
  }

  OffsetDateTime created() {
    OffsetDateTime t = pod.getMetadata().getCreationTimestamp();
    return t == null ? OffsetDateTime.MIN : t;
  }

  String phase() {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null
        ? "Pending"
        : pod.getStatus().getPhase();
  }

  boolean succeeded() {
    return "Succeeded".equals(phase());
  }

  boolean failed() {
    return "Failed".equals(phase());
  }

  boolean terminal() {
    return succeeded() || failed();
  }

  String nodeName() {
    return pod.getSpec() == null ? null : pod.getSpec().getNodeName();
  }

  /** The task container's waiting reason, or null when it is not waiting. */
  V1ContainerStateWaiting waiting() {
    V1ContainerState s = state();
    return s == null ? null : s.getWaiting();
  }

  /** A waiting reason that will not pass by itself (image pull, configuration), or null. */
  String stuckReason() {
    if (terminal()) {
      return null;
    }
    V1ContainerStateWaiting w = waiting();
    return w != null && w.getReason() != null && STUCK.contains(w.getReason())
        ? w.getReason()
        : null;
  }

  String stuckMessage() {
    V1ContainerStateWaiting w = waiting();
    return w == null ? null : w.getMessage();
  }

  private V1ContainerStatus taskStatus() {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    V1ContainerStatus any = null;
    for (V1ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
      if (JobFactory.CONTAINER.equals(cs.getName())) {
        return cs;
      }
      any = any == null ? cs : any;
    }
    return any;
  }

  private V1ContainerState state() {
    V1ContainerStatus cs = taskStatus();
    return cs == null ? null : cs.getState();
  }

  V1ContainerStateTerminated terminated() {
    V1ContainerState s = state();
    return s == null ? null : s.getTerminated();
  }

  /** Time of the attempt: container start to end, else pod start to now. */
  Duration duration() {
    V1ContainerStateTerminated t = terminated();
    if (t != null && t.getStartedAt() != null && t.getFinishedAt() != null) {
      return Duration.between(t.getStartedAt(), t.getFinishedAt());
    }
    OffsetDateTime start = pod.getStatus() == null ? null : pod.getStatus().getStartTime();
    return start == null ? Duration.ZERO : Duration.between(start, OffsetDateTime.now()).abs();
  }

  /**
   * The DisruptionTarget condition's reason when it is True (eviction, preemption, node going
   * away), else null.
   */
  String disruption() {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    for (V1PodCondition c : pod.getStatus().getConditions()) {
      if ("DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus())) {
        return c.getReason() == null || c.getReason().isBlank()
            ? "DisruptionTarget"
            : c.getReason();
      }
    }
    return null;
  }

  /** How a terminal pod ended, for {@code FailureClassifier}. */
  Termination termination() {
    V1ContainerStateTerminated t = terminated();
    int code = t == null || t.getExitCode() == null ? -1 : t.getExitCode();
    String podReason = pod.getStatus() == null ? null : pod.getStatus().getReason();
    String podMessage = pod.getStatus() == null ? null : pod.getStatus().getMessage();
    String disruption = disruption();
    if (disruption != null) {
      return new Termination(
          code, disruption, join("pod " + name() + " on node " + nodeName(), podMessage));
    }
    if ("Evicted".equals(podReason)) {
      return new Termination(code, "Evicted", join("pod " + name(), podMessage));
    }
    if (t != null
        && t.getReason() != null
        && !"Error".equals(t.getReason())
        && !"Completed".equals(t.getReason())) {
      return new Termination(code, t.getReason(), join("pod " + name(), t.getMessage()));
    }
    if (t == null && podReason != null) {
      return new Termination(code, podReason, join("pod " + name(), podMessage));
    }
    return new Termination(code, null, "pod " + name());
  }

  private static String join(String a, String b) {
    return b == null || b.isBlank() ? a : a + ": " + b.strip();
  }

  private String annotation(String key) {
    Map<String, String> a = pod.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  private static int parse(String s) {
    try {
      return s == null || s.isBlank() ? 0 : Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
