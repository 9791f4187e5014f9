package org.connectome.executor;

import java.util.List;
import java.util.Set;
import org.connectome.task.TaskExitCodes;

/**
 * The one place where every way a task can end becomes a typed failure, and where it is decided
 * what is retried (transient: crashes, out of memory, eviction, node loss, signals) and what stops
 * at once (bad input, bad definition, image pull and configuration errors, exit codes the spec
 * marks as not retryable).
 */
public final class FailureClassifier {
  private static final Set<String> IMAGE_PULL =
      Set.of(
          "ErrImagePull",
          "ImagePullBackOff",
          "InvalidImageName",
          "ErrImageNeverPull",
          "RegistryUnavailable");
  private static final Set<String> CONFIG =
      Set.of(
          "CreateContainerConfigError",
          "CreateContainerError",
          "RunContainerError",
          "ContainerCannotRun");
  private static final Set<String> EVICTION =
      Set.of(
          "Evicted",
          "DisruptionTarget",
          "Preempting",
          "PreemptionByScheduler",
          "TerminationByKubelet",
          "EvictionByEvictionAPI");

  /** Reasons of pods whose node went away: the taint manager or pod GC deleted them. */
  private static final Set<String> NODE_GONE =
      Set.of("NodeLost", "NodeShutdown", "DeletionByTaintManager", "DeletionByPodGC");

  /** The kubelet refused to admit the pod (node out of a resource, affinity no longer met). */
  private static final Set<String> NODE_REJECTED =
      Set.of(
          "OutOfcpu",
          "OutOfmemory",
          "OutOfpods",
          "OutOfephemeral-storage",
          "NodeAffinity",
          "UnexpectedAdmissionError");

  /** Reason of a Job the Kubernetes API refused to create (invalid spec, admission webhook). */
  public static final String JOB_REJECTED = "JobRejected";

  /** Reason of a pod deleted while it ran (by a person, or with its node). */
  public static final String POD_DELETED = "PodDeleted";

  /** Reason of a local program that exited 0 without one of its declared outputs. */
  public static final String OUTPUT_MISSING = "OutputMissing";

  /** Reason of a local program whose environment ({@code container.python}) cannot be made. */
  public static final String PROGRAM_ENVIRONMENT = "ProgramEnvironment";

  private FailureClassifier() {}

  /**
   * Classifies a finished attempt; returns null when it succeeded.
   *
   * @param t how it ended
   * @param nonRetryableExitCodes the step's own exit codes that must not be retried
   */
  public static TaskFailure classify(Termination t, List<Integer> nonRetryableExitCodes) {
    String reason = t.reason();
    int code = t.exitCode();
    String detail = t.message() == null || t.message().isBlank() ? "" : ": " + t.message();
    if (reason != null) {
      if (reason.equals("OOMKilled")) {
        return new TaskFailure(
            FailureKind.OUT_OF_MEMORY,
            true,
            code,
            "container exceeded its memory limit (OOMKilled); raise resources.memory if it repeats");
      }
      if (EVICTION.contains(reason)) {
        return new TaskFailure(
            FailureKind.EVICTED, true, code, "pod evicted or preempted (" + reason + ")" + detail);
      }
      if (NODE_GONE.contains(reason)) {
        return new TaskFailure(
            FailureKind.NODE_LOST, true, code, "node lost (" + reason + ")" + detail);
      }
      if (NODE_REJECTED.contains(reason)) {
        return new TaskFailure(
            FailureKind.EVICTED, true, code, "pod rejected by its node (" + reason + ")" + detail);
      }
      if (reason.equals(POD_DELETED)) {
        return new TaskFailure(FailureKind.KILLED, true, code, "pod deleted while it ran" + detail);
      }
      if (reason.equals(JOB_REJECTED)) {
        return new TaskFailure(
            FailureKind.CONFIG_ERROR,
            false,
            code,
            "the Kubernetes API rejected the shard's Job"
                + detail
                + "; check the stage's kubernetes, resources and container settings");
      }
      if (IMAGE_PULL.contains(reason)) {
        return new TaskFailure(
            FailureKind.IMAGE_PULL,
            false,
            code,
            "image cannot be pulled ("
                + reason
                + ")"
                + detail
                + "; check the stage's container.image and pull secrets");
      }
      if (CONFIG.contains(reason)) {
        return new TaskFailure(
            FailureKind.CONFIG_ERROR, false, code, "pod cannot start (" + reason + ")" + detail);
      }
      if (reason.equals("DeadlineExceeded")) {
        return new TaskFailure(
            FailureKind.TIMEOUT, true, code, "task exceeded its time limit" + detail);
      }
      if (reason.equals(OUTPUT_MISSING)) {
        return new TaskFailure(
            FailureKind.OUTPUT_MISSING,
            false,
            code,
            (t.message() == null ? "the program left no declared output" : t.message())
                + "; check the program and the step's container.outputs");
      }
      if (reason.equals(PROGRAM_ENVIRONMENT)) {
        return new TaskFailure(
            FailureKind.CONFIG_ERROR,
            false,
            code,
            "the program's environment cannot be made" + detail);
      }
      if (reason.equals("LaunchFailed")) {
        return new TaskFailure(
            FailureKind.LAUNCH_FAILED, false, code, "task could not be started" + detail);
      }
    }
    if (code == TaskExitCodes.OK) {
      return null;
    }
    if (nonRetryableExitCodes.contains(code)) {
      return new TaskFailure(
          FailureKind.NON_RETRYABLE_EXIT_CODE,
          false,
          code,
          "exit code " + code + " (listed in retry.nonRetryableExitCodes)" + detail);
    }
    return switch (code) {
      case TaskExitCodes.UNITS_FAILED ->
          new TaskFailure(FailureKind.UNITS_FAILED, true, code, "units failed" + detail);
      case TaskExitCodes.UNITS_FAILED_PERMANENTLY ->
          new TaskFailure(
              FailureKind.UNITS_FAILED_PERMANENTLY,
              false,
              code,
              "units failed on their input (not retryable)" + detail);
      case TaskExitCodes.BAD_DEFINITION ->
          new TaskFailure(
              FailureKind.BAD_DEFINITION,
              false,
              code,
              "task could not start: bad step definition or arguments" + detail);
      case TaskExitCodes.OUT_OF_MEMORY ->
          new TaskFailure(
              FailureKind.OUT_OF_MEMORY,
              true,
              code,
              "task ran out of heap; raise resources.memory if it repeats" + detail);
      case TaskExitCodes.ORPHANED ->
          new TaskFailure(
              FailureKind.ORPHANED,
              true,
              code,
              "task stopped because its launcher went away" + detail);
      default ->
          code > 128 && code < 160
              ? new TaskFailure(
                  FailureKind.KILLED,
                  true,
                  code,
                  "killed by signal "
                      + (code - 128)
                      + (code == 137 ? " (SIGKILL: out of memory on the host, or killed)" : "")
                      + detail)
              : new TaskFailure(
                  FailureKind.CRASHED, true, code, "task crashed with exit code " + code + detail);
    };
  }
}
