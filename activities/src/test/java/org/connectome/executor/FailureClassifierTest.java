package org.connectome.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.connectome.task.TaskExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FailureClassifierTest {
  private static TaskFailure classify(int code) {
    return FailureClassifier.classify(Termination.exit(code), List.of());
  }

  private static void assertMessageContains(TaskFailure f, String... parts) {
    for (String p : parts) {
      assertTrue(
          f.message().contains(p), "message '" + f.message() + "' should contain '" + p + "'");
    }
  }

  @Test
  void successIsNoFailure() {
    assertNull(classify(TaskExitCodes.OK));
    assertNull(FailureClassifier.classify(new Termination(0, null, "done"), List.of(1, 10)));
    // a reason the classifier does not know (Kubernetes' "Completed") leaves the exit code in
    // charge
    assertNull(FailureClassifier.classify(new Termination(0, "Completed", null), List.of()));
    // listing 0 as non-retryable cannot turn success into failure
    assertNull(FailureClassifier.classify(Termination.exit(0), List.of(0)));
  }

  static Stream<Arguments> taskExitCodes() {
    return Stream.of(
        Arguments.of(TaskExitCodes.UNITS_FAILED, FailureKind.UNITS_FAILED, true, "units failed"),
        Arguments.of(
            TaskExitCodes.UNITS_FAILED_PERMANENTLY,
            FailureKind.UNITS_FAILED_PERMANENTLY,
            false,
            "not retryable"),
        Arguments.of(
            TaskExitCodes.BAD_DEFINITION, FailureKind.BAD_DEFINITION, false, "bad step definition"),
        Arguments.of(TaskExitCodes.OUT_OF_MEMORY, FailureKind.OUT_OF_MEMORY, true, "out of heap"),
        Arguments.of(TaskExitCodes.ORPHANED, FailureKind.ORPHANED, true, "launcher went away"),
        // CRASHED (1) has no case of its own: it is the default branch
        Arguments.of(TaskExitCodes.CRASHED, FailureKind.CRASHED, true, "exit code 1"));
  }

  @ParameterizedTest(name = "exit {0} -> {1}")
  @MethodSource("taskExitCodes")
  void everyTaskExitCodeHasItsKind(int code, FailureKind kind, boolean retryable, String text) {
    TaskFailure f = classify(code);
    assertNotNull(f);
    assertEquals(kind, f.kind());
    assertEquals(retryable, f.retryable());
    assertEquals(code, f.exitCode());
    assertMessageContains(f, text);
  }

  @Test
  void messageCarriesThePlatformMessage() {
    TaskFailure f =
        FailureClassifier.classify(
            new Termination(TaskExitCodes.UNITS_FAILED, null, "3 units"), List.of());
    assertEquals("units failed: 3 units", f.message());
    // a blank message adds nothing
    assertEquals(
        "units failed",
        FailureClassifier.classify(
                new Termination(TaskExitCodes.UNITS_FAILED, null, "  "), List.of())
            .message());
  }

  @Test
  void sigkillAndSigtermAreKilledAndRetryable() {
    TaskFailure kill = classify(137);
    assertEquals(FailureKind.KILLED, kill.kind());
    assertTrue(kill.retryable());
    assertEquals(137, kill.exitCode());
    assertMessageContains(kill, "signal 9", "SIGKILL");

    TaskFailure term = classify(143);
    assertEquals(FailureKind.KILLED, term.kind());
    assertTrue(term.retryable());
    assertMessageContains(term, "signal 15");
    assertFalse(term.message().contains("SIGKILL"), term.message());
  }

  @ParameterizedTest(name = "exit {0} -> KILLED")
  @ValueSource(ints = {129, 130, 134, 159})
  void everyCodeBetween129And159IsASignal(int code) {
    TaskFailure f = classify(code);
    assertEquals(FailureKind.KILLED, f.kind());
    assertTrue(f.retryable());
    assertMessageContains(f, "signal " + (code - 128));
  }

  @ParameterizedTest(name = "exit {0} -> CRASHED")
  @ValueSource(ints = {-1, 2, 4, 9, 14, 42, 128, 160, 255})
  void unknownCodesAreCrashesAndRetryable(int code) {
    TaskFailure f = classify(code);
    assertEquals(FailureKind.CRASHED, f.kind());
    assertTrue(f.retryable());
    assertEquals(code, f.exitCode());
    assertMessageContains(f, "exit code " + code);
  }

  @Test
  void listedExitCodeIsNotRetryable() {
    TaskFailure f =
        FailureClassifier.classify(new Termination(42, null, "bad tile"), List.of(7, 42));
    assertEquals(FailureKind.NON_RETRYABLE_EXIT_CODE, f.kind());
    assertFalse(f.retryable());
    assertEquals(42, f.exitCode());
    assertMessageContains(f, "exit code 42", "nonRetryableExitCodes", "bad tile");
    // not listed: back to the built-in meaning
    assertEquals(
        FailureKind.CRASHED,
        FailureClassifier.classify(Termination.exit(43), List.of(7, 42)).kind());
  }

  @ParameterizedTest(name = "listed exit {0} wins over its built-in meaning")
  @ValueSource(
      ints = {
        TaskExitCodes.CRASHED,
        TaskExitCodes.OUT_OF_MEMORY,
        TaskExitCodes.UNITS_FAILED,
        TaskExitCodes.UNITS_FAILED_PERMANENTLY,
        TaskExitCodes.BAD_DEFINITION,
        TaskExitCodes.ORPHANED,
        137,
        143
      })
  void theListWinsOverTheBuiltInMeaning(int code) {
    TaskFailure f = FailureClassifier.classify(Termination.exit(code), List.of(code));
    assertEquals(FailureKind.NON_RETRYABLE_EXIT_CODE, f.kind());
    assertFalse(f.retryable());
    assertEquals(code, f.exitCode());
  }

  static Stream<Arguments> kubernetesReasons() {
    return Stream.of(
        Arguments.of("OOMKilled", FailureKind.OUT_OF_MEMORY, true, "OOMKilled"),
        Arguments.of("Evicted", FailureKind.EVICTED, true, "Evicted"),
        Arguments.of("DisruptionTarget", FailureKind.EVICTED, true, "DisruptionTarget"),
        Arguments.of("Preempting", FailureKind.EVICTED, true, "Preempting"),
        Arguments.of("PreemptionByScheduler", FailureKind.EVICTED, true, "PreemptionByScheduler"),
        Arguments.of("TerminationByKubelet", FailureKind.EVICTED, true, "TerminationByKubelet"),
        Arguments.of("EvictionByEvictionAPI", FailureKind.EVICTED, true, "EvictionByEvictionAPI"),
        Arguments.of("NodeLost", FailureKind.NODE_LOST, true, "NodeLost"),
        Arguments.of("NodeShutdown", FailureKind.NODE_LOST, true, "NodeShutdown"),
        Arguments.of(
            "DeletionByTaintManager", FailureKind.NODE_LOST, true, "DeletionByTaintManager"),
        Arguments.of("DeletionByPodGC", FailureKind.NODE_LOST, true, "DeletionByPodGC"),
        Arguments.of("OutOfcpu", FailureKind.EVICTED, true, "rejected by its node (OutOfcpu)"),
        Arguments.of(
            "OutOfmemory", FailureKind.EVICTED, true, "rejected by its node (OutOfmemory)"),
        Arguments.of(
            "NodeAffinity", FailureKind.EVICTED, true, "rejected by its node (NodeAffinity)"),
        Arguments.of(
            "UnexpectedAdmissionError", FailureKind.EVICTED, true, "UnexpectedAdmissionError"),
        Arguments.of(
            FailureClassifier.POD_DELETED, FailureKind.KILLED, true, "deleted while it ran"),
        Arguments.of(
            FailureClassifier.JOB_REJECTED,
            FailureKind.CONFIG_ERROR,
            false,
            "rejected the shard's Job"),
        Arguments.of("ErrImagePull", FailureKind.IMAGE_PULL, false, "ErrImagePull"),
        Arguments.of("ImagePullBackOff", FailureKind.IMAGE_PULL, false, "ImagePullBackOff"),
        Arguments.of("InvalidImageName", FailureKind.IMAGE_PULL, false, "InvalidImageName"),
        Arguments.of("ErrImageNeverPull", FailureKind.IMAGE_PULL, false, "ErrImageNeverPull"),
        Arguments.of("RegistryUnavailable", FailureKind.IMAGE_PULL, false, "RegistryUnavailable"),
        Arguments.of(
            "CreateContainerConfigError",
            FailureKind.CONFIG_ERROR,
            false,
            "CreateContainerConfigError"),
        Arguments.of(
            "CreateContainerError", FailureKind.CONFIG_ERROR, false, "CreateContainerError"),
        Arguments.of("RunContainerError", FailureKind.CONFIG_ERROR, false, "RunContainerError"),
        Arguments.of("ContainerCannotRun", FailureKind.CONFIG_ERROR, false, "ContainerCannotRun"),
        Arguments.of("DeadlineExceeded", FailureKind.TIMEOUT, true, "time limit"),
        Arguments.of("LaunchFailed", FailureKind.LAUNCH_FAILED, false, "could not be started"),
        // a local program (implementation: command) that exited 0 without a declared output, and
        // one whose Python environment cannot be made
        Arguments.of(
            FailureClassifier.OUTPUT_MISSING,
            FailureKind.OUTPUT_MISSING,
            false,
            "container.outputs"),
        Arguments.of(
            FailureClassifier.PROGRAM_ENVIRONMENT,
            FailureKind.CONFIG_ERROR,
            false,
            "environment cannot be made"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("kubernetesReasons")
  void everyKubernetesReasonHasItsKind(
      String reason, FailureKind kind, boolean retryable, String cause) {
    TaskFailure f = FailureClassifier.classify(new Termination(-1, reason, null), List.of());
    assertNotNull(f, reason);
    assertEquals(kind, f.kind());
    assertEquals(retryable, f.retryable());
    assertEquals(-1, f.exitCode());
    assertMessageContains(f, cause);
    assertFalse(f.message().contains("null"), f.message());
  }

  @ParameterizedTest(name = "{0} carries its message")
  @MethodSource("kubernetesReasons")
  void reasonsCarryThePlatformMessage(
      String reason, FailureKind kind, boolean retryable, String cause) {
    TaskFailure f =
        FailureClassifier.classify(new Termination(137, reason, "the kubelet said so"), List.of());
    assertEquals(kind, f.kind());
    assertEquals(137, f.exitCode());
    if (!reason.equals("OOMKilled")) { // OOMKilled has a fixed, self-explaining message
      assertMessageContains(f, "the kubelet said so");
    } else {
      assertMessageContains(f, "resources.memory");
    }
  }

  @ParameterizedTest(name = "{0} wins over exit code 0 and the list")
  @MethodSource("kubernetesReasons")
  void aKnownReasonWinsOverTheExitCode(
      String reason, FailureKind kind, boolean retryable, String cause) {
    // a pod killed with a reason is a failure even if its exit code reads 0, and the reason
    // decides, not the list
    TaskFailure zero = FailureClassifier.classify(new Termination(0, reason, null), List.of(0));
    assertNotNull(zero, reason);
    assertEquals(kind, zero.kind());
    TaskFailure listed =
        FailureClassifier.classify(new Termination(137, reason, null), List.of(137));
    assertEquals(kind, listed.kind());
    assertEquals(retryable, listed.retryable());
  }

  @Test
  void anUnknownReasonFallsBackToTheExitCode() {
    // Kubernetes reports "Error" for any container that exited non-zero
    assertEquals(
        FailureKind.UNITS_FAILED,
        FailureClassifier.classify(
                new Termination(TaskExitCodes.UNITS_FAILED, "Error", null), List.of())
            .kind());
    assertEquals(
        FailureKind.BAD_DEFINITION,
        FailureClassifier.classify(
                new Termination(TaskExitCodes.BAD_DEFINITION, "Error", null), List.of())
            .kind());
    assertEquals(
        FailureKind.NON_RETRYABLE_EXIT_CODE,
        FailureClassifier.classify(new Termination(5, "Error", null), List.of(5)).kind());
    TaskFailure f =
        FailureClassifier.classify(new Termination(-1, "SomethingNew", "huh"), List.of());
    assertEquals(FailureKind.CRASHED, f.kind());
    assertTrue(f.retryable());
    assertMessageContains(f, "huh");
  }
}
