package org.connectome.executor.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.connectome.executor.ExecutorException;
import org.connectome.executor.FailureKind;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.TaskResult;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.Resources;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The executor against fabric8's mock API server with the Job controller double playing scripted
 * pods.
 */
@Timeout(60)
class KubernetesExecutorTest {
  MockCluster cluster;
  final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    threads.shutdownNow();
    if (cluster != null) {
      cluster.close();
    }
  }

  private KubernetesExecutor executor(String worker) {
    return new KubernetesExecutor(cluster.apiClient(worker), MockCluster.config().build());
  }

  private static TaskResult result(List<TaskResult> rs, long task) {
    return rs.stream().filter(r -> r.task() == task).findFirst().orElseThrow();
  }

  @Test
  void allIndicesSucceed() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.ok());
    Shards.Recorder rec = new Shards.Recorder();
    ShardRequest req = Shards.request(Shards.step(3), 2, 1, UnitRange.of(10, 15));
    List<TaskResult> results = executor(null).runShard(req, rec);
    assertEquals(List.of(10L, 11L, 12L, 13L, 14L), results.stream().map(TaskResult::task).toList());
    results.forEach(
        r -> {
          assertTrue(r.succeeded(), r.toString());
          assertEquals(1, r.attempts());
          assertNull(r.logTail());
        });
    assertEquals(5, rec.count("start "));
    assertTrue(rec.balanced(), rec.events.toString());
    assertEquals(5, rec.finished.size());
    assertEquals(1, cluster.jobs().size(), "one Job per shard");
    assertEquals(1, cluster.dispatcher.count("POST", "/jobs"));
    assertEquals(5, cluster.controller.podsCreated.get(), "one pod per index");
  }

  @Test
  void failedIndicesAreRetriedAndSucceed() throws Exception {
    cluster =
        new MockCluster(
            (job, index, attempt) ->
                index == 1 && attempt == 1 || index == 3 && attempt <= 2
                    ? Outcome.exit(10)
                    : Outcome.ok());
    Shards.Recorder rec = new Shards.Recorder();
    List<TaskResult> results =
        executor(null).runShard(Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 5)), rec);
    results.forEach(r -> assertTrue(r.succeeded(), r.toString()));
    assertEquals(1, result(results, 0).attempts());
    assertEquals(2, result(results, 1).attempts());
    assertEquals(3, result(results, 3).attempts());
    assertTrue(rec.events.contains("end 1/1 UNITS_FAILED"), rec.events.toString());
    assertTrue(rec.events.contains("end 3/2 UNITS_FAILED"), rec.events.toString());
    assertTrue(rec.events.contains("end 3/3 ok"), rec.events.toString());
    assertTrue(rec.balanced(), rec.events.toString());
    assertEquals(8, cluster.controller.podsCreated.get());
  }

  @Test
  void anIndexRunsOutOfRetriesWithoutStoppingTheOthers() throws Exception {
    cluster =
        new MockCluster((job, index, attempt) -> index == 2 ? Outcome.exit(10) : Outcome.ok());
    Shards.Recorder rec = new Shards.Recorder();
    List<TaskResult> results =
        executor(null).runShard(Shards.request(Shards.step(2), 0, 1, UnitRange.of(0, 4)), rec);
    TaskResult bad = result(results, 2);
    assertFalse(bad.succeeded());
    assertEquals(2, bad.attempts());
    assertEquals(FailureKind.UNITS_FAILED, bad.failure().kind());
    assertTrue(bad.failure().retryable());
    assertEquals(10, bad.failure().exitCode());
    assertTrue(
        bad.logTail() != null && bad.logTail().contains("index 2 attempt 2: EXIT 10"),
        bad.logTail());
    results.stream()
        .filter(r -> r.task() != 2)
        .forEach(r -> assertTrue(r.succeeded(), r.toString()));
    assertEquals(
        2,
        cluster.controller.history.values().iterator().next().get(2).size(),
        "backoffLimitPerIndex 1");
    assertTrue(rec.balanced(), rec.events.toString());
  }

  @Test
  void nonRetryableExitCodesFailTheirIndexAtOnce() throws Exception {
    cluster =
        new MockCluster(
            (job, index, attempt) ->
                switch (index) {
                  case 0 -> Outcome.exit(11); // the platform's "units failed on their input"
                  case 1 -> Outcome.exit(42); // listed by the step
                  default -> Outcome.ok();
                });
    StepConfig step =
        Shards.step(
            "stitch",
            "stitch",
            4,
            List.of(42),
            new Resources("1", "1Gi", 0),
            null,
            null,
            "synthetic");
    List<TaskResult> results =
        executor(null)
            .runShard(Shards.request(step, 0, 1, UnitRange.of(0, 3)), new Shards.Recorder());
    assertEquals(FailureKind.UNITS_FAILED_PERMANENTLY, result(results, 0).failure().kind());
    assertEquals(1, result(results, 0).attempts());
    assertEquals(FailureKind.NON_RETRYABLE_EXIT_CODE, result(results, 1).failure().kind());
    assertFalse(result(results, 1).failure().retryable());
    assertEquals(1, result(results, 1).attempts());
    assertTrue(result(results, 2).succeeded());
    assertEquals(3, cluster.controller.podsCreated.get(), "FailIndex: no retry");
  }

  @Test
  void oomKilledIsRetriedAsOutOfMemory() throws Exception {
    cluster =
        new MockCluster(
            (job, index, attempt) -> index == 0 && attempt == 1 ? Outcome.oom() : Outcome.ok());
    Shards.Recorder rec = new Shards.Recorder();
    List<TaskResult> results =
        executor(null).runShard(Shards.request(Shards.step(2), 0, 1, UnitRange.of(0, 2)), rec);
    assertTrue(result(results, 0).succeeded());
    assertEquals(2, result(results, 0).attempts());
    assertTrue(rec.events.contains("end 0/1 OUT_OF_MEMORY"), rec.events.toString());
  }

  @Test
  void anOomKilledTaskOutOfRetriesSaysSo() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.oom());
    List<TaskResult> results =
        executor(null)
            .runShard(
                Shards.request(Shards.step(2), 0, 1, UnitRange.of(0, 1)), new Shards.Recorder());
    TaskResult r = results.get(0);
    assertEquals(FailureKind.OUT_OF_MEMORY, r.failure().kind());
    assertEquals(137, r.failure().exitCode());
    assertTrue(r.failure().message().contains("resources.memory"), r.failure().message());
    assertEquals(2, r.attempts());
  }

  @Test
  void evictionsAreIgnoredAndRetried() throws Exception {
    // maxAttempts 1: backoffLimitPerIndex 0, so only the podFailurePolicy's Ignore lets the index
    // run again
    cluster =
        new MockCluster(
            (job, index, attempt) -> index == 1 && attempt <= 2 ? Outcome.evict() : Outcome.ok());
    Shards.Recorder rec = new Shards.Recorder();
    List<TaskResult> results =
        executor(null).runShard(Shards.request(Shards.step(1), 0, 1, UnitRange.of(0, 3)), rec);
    results.forEach(r -> assertTrue(r.succeeded(), r.toString()));
    assertEquals(
        3,
        result(results, 1).attempts(),
        "two evictions, then success: the attempt counts every pod");
    assertTrue(rec.events.contains("end 1/1 EVICTED"), rec.events.toString());
    assertTrue(rec.events.contains("end 1/2 EVICTED"), rec.events.toString());
    assertTrue(rec.events.contains("end 1/3 ok"), rec.events.toString());
  }

  @Test
  void anImageThatCannotBePulledStopsTheShard() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.imagePull());
    Shards.Recorder rec = new Shards.Recorder();
    long t0 = System.nanoTime();
    List<TaskResult> results =
        executor(null).runShard(Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 3)), rec);
    assertEquals(3, results.size());
    for (TaskResult r : results) {
      assertEquals(FailureKind.IMAGE_PULL, r.failure().kind());
      assertFalse(r.failure().retryable());
      assertTrue(r.failure().message().contains("ImagePullBackOff"), r.failure().message());
      assertTrue(
          r.failure().message().contains("registry.example.org/connectome-task:test"),
          r.failure().message());
    }
    assertTrue(cluster.jobs().isEmpty(), "the Job is deleted");
    assertEquals(0, cluster.pods(), "and its pods");
    assertEquals(3, cluster.controller.podsCreated.get(), "no pod was retried");
    assertTrue(rec.balanced(), rec.events.toString());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
  }

  @Test
  void aMissingSecretIsAConfigurationError() throws Exception {
    cluster =
        new MockCluster(
            (job, index, attempt) -> index == 0 ? Outcome.configError() : Outcome.hang());
    List<TaskResult> results =
        executor(null)
            .runShard(
                Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 2)), new Shards.Recorder());
    for (TaskResult r : results) {
      assertEquals(FailureKind.CONFIG_ERROR, r.failure().kind(), r.toString());
      assertFalse(r.failure().retryable());
      assertTrue(r.failure().message().contains("facility-credentials"), r.failure().message());
    }
    assertTrue(cluster.jobs().isEmpty());
  }

  @Test
  void throttlingAndServerErrorsAreRetriedWithoutLosingOrDuplicatingTasks() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.ok());
    // the first create is throttled twice (Retry-After: 1 s), then every kind of request fails for
    // a while
    cluster.dispatcher.fail(r -> r.getMethod().equals("POST"), 2, 429, 1);
    cluster.dispatcher.fail(r -> true, 4, 500, null);
    Shards.Recorder rec = new Shards.Recorder();
    long t0 = System.nanoTime();
    List<TaskResult> results =
        executor(null).runShard(Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 4)), rec);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    results.forEach(r -> assertTrue(r.succeeded(), r.toString()));
    assertEquals(List.of(0L, 1L, 2L, 3L), results.stream().map(TaskResult::task).toList());
    assertEquals(6, cluster.dispatcher.failed.get(), "every injected error was met");
    assertTrue(ms >= 2000, "Retry-After was honoured twice: " + ms + " ms");
    assertEquals(1, cluster.jobs().size());
    assertEquals(4, cluster.controller.podsCreated.get(), "no task lost or run twice");
    assertEquals(4, rec.finished.size());
  }

  @Test
  void anApiServerDownPastTheBoundIsAnExecutorFailure() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.ok());
    cluster.dispatcher.fail(r -> true, 1000, 503, null);
    ExecutorException e =
        assertThrows(
            ExecutorException.class,
            () ->
                executor(null)
                    .runShard(
                        Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 2)),
                        new Shards.Recorder()));
    assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
    assertTrue(cluster.jobs().isEmpty());
  }

  @Test
  void aRejectedJobFailsItsTasksAsAConfigurationError() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.ok());
    cluster.dispatcher.fail(r -> r.getMethod().equals("POST"), 1, 422, null);
    List<TaskResult> results =
        executor(null)
            .runShard(
                Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 2)), new Shards.Recorder());
    for (TaskResult r : results) {
      assertEquals(FailureKind.CONFIG_ERROR, r.failure().kind());
      assertFalse(r.failure().retryable());
      assertTrue(r.failure().message().contains("HTTP 422"), r.failure().message());
    }
    assertTrue(cluster.jobs().isEmpty());
  }

  @Test
  void noImageIsABadDefinitionAndCreatesNothing() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.ok());
    KubernetesExecutor ex =
        new KubernetesExecutor(cluster.apiClient(null), MockCluster.config().image(null).build());
    List<TaskResult> results =
        ex.runShard(
            Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 2)), new Shards.Recorder());
    for (TaskResult r : results) {
      assertEquals(FailureKind.BAD_DEFINITION, r.failure().kind());
      assertTrue(
          r.failure().message().contains("executor.kubernetes.image"), r.failure().message());
    }
    assertEquals(0, cluster.dispatcher.count("POST", "/jobs"));
  }

  @Test
  void aRetriedActivityAdoptsTheJobOfItsDeadWorker() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.ok().after(1500));
    ShardRequest req = Shards.request(Shards.step(3), 5, 1, UnitRange.of(500, 504));
    Future<List<TaskResult>> first =
        threads.submit(() -> executor("A").runShard(req, new Shards.Recorder()));
    MockCluster.await(
        "pods running", Duration.ofSeconds(10), () -> cluster.controller.activePods().size() == 4);
    // worker A loses the API server for good (its node is partitioned, then it dies)
    cluster.dispatcher.fail(r -> "A".equals(r.getHeader("X-Worker")), 100_000, 503, null);
    ExecutionException dead =
        assertThrows(ExecutionException.class, () -> first.get(20, TimeUnit.SECONDS));
    assertTrue(dead.getCause() instanceof ExecutorException, dead.toString());
    assertEquals(1, cluster.jobs().size(), "A's Job runs on");
    // the activity is retried on worker B with the same request: it finds the Job and follows it to
    // the end
    Shards.Recorder rec = new Shards.Recorder();
    List<TaskResult> results = executor("B").runShard(req, rec);
    results.forEach(r -> assertTrue(r.succeeded(), r.toString()));
    assertEquals(4, results.size());
    assertEquals(1, cluster.jobs().size(), "no second Job");
    assertEquals(1, cluster.dispatcher.count("POST", "/jobs"), "B created nothing");
    assertEquals(4, cluster.controller.podsCreated.get(), "every task ran once");
  }

  @Test
  void aLaterExecutionOfTheShardAdoptsTheUnfinishedJobOfAnEarlierOne() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.ok().after(index < 2 ? 50 : 1500));
    StepConfig step = Shards.step(3);
    Future<List<TaskResult>> first =
        threads.submit(
            () ->
                executor("A")
                    .runShard(
                        Shards.request(step, 0, 1, UnitRange.of(0, 4)), new Shards.Recorder()));
    MockCluster.await(
        "tasks 0 and 1 done",
        Duration.ofSeconds(10),
        () ->
            cluster.controller.activePods().size() == 2
                && cluster.controller.podsCreated.get() == 4);
    cluster.dispatcher.fail(r -> "A".equals(r.getHeader("X-Worker")), 100_000, 503, null);
    assertThrows(ExecutionException.class, () -> first.get(20, TimeUnit.SECONDS));
    // Temporal's attempt 2 of the activity: tasks 0 and 1 have their markers, 2 and 3 remain
    Shards.Recorder rec = new Shards.Recorder();
    List<TaskResult> results =
        executor("B").runShard(Shards.request(step, 0, 2, UnitRange.of(2, 4)), rec);
    assertEquals(List.of(2L, 3L), results.stream().map(TaskResult::task).toList());
    results.forEach(r -> assertTrue(r.succeeded(), r.toString()));
    assertEquals(1, cluster.jobs().size());
    assertEquals(1, cluster.dispatcher.count("POST", "/jobs"));
    assertEquals(4, cluster.controller.podsCreated.get());
  }

  @Test
  void interruptingTheShardDeletesItsJobAndPods() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.hang());
    java.util.concurrent.CompletableFuture<Throwable> ended =
        new java.util.concurrent.CompletableFuture<>();
    Future<?> run =
        threads.submit(
            () -> {
              try {
                executor(null)
                    .runShard(
                        Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 3)),
                        new Shards.Recorder());
                ended.complete(null);
              } catch (Throwable t) {
                ended.complete(t);
              }
            });
    MockCluster.await(
        "pods running", Duration.ofSeconds(10), () -> cluster.controller.activePods().size() == 3);
    long t0 = System.nanoTime();
    run.cancel(true); // interrupts the thread in runShard
    Throwable t = ended.get(15, TimeUnit.SECONDS);
    assertTrue(t instanceof InterruptedException, String.valueOf(t));
    // runShard ended only after the Job and its pods were gone
    assertTrue(cluster.jobs().isEmpty(), "Job deleted");
    assertEquals(0, cluster.pods(), "pods deleted");
    assertTrue(
        cluster.dispatcher.requests.stream()
            .anyMatch(s -> s.startsWith("DELETE ") && s.contains("propagationPolicy=Background")),
        cluster.dispatcher.requests.toString());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
  }

  @Test
  void interruptionThrowsInterruptedException() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.hang());
    KubernetesExecutor ex = executor(null);
    Thread caller = Thread.currentThread();
    threads.submit(
        () -> {
          MockCluster.await(
              "pods running",
              Duration.ofSeconds(10),
              () -> cluster.controller.activePods().size() == 2);
          caller.interrupt();
          return null;
        });
    assertThrows(
        InterruptedException.class,
        () ->
            ex.runShard(
                Shards.request(Shards.step(3), 0, 1, UnitRange.of(0, 2)), new Shards.Recorder()));
    assertTrue(cluster.jobs().isEmpty());
  }

  @Test
  void aShardPastItsTimeoutFailsAsTimeout() throws Exception {
    cluster = new MockCluster((job, index, attempt) -> index == 0 ? Outcome.ok() : Outcome.hang());
    StepConfig s = Shards.step(3);
    StepConfig step =
        new StepConfig(
            s.runId(),
            s.sample(),
            s.stage(),
            s.step(),
            s.ordinal(),
            s.implementation(),
            s.params(),
            s.container(),
            s.kubernetes(),
            s.unitsPerTask(),
            s.tasksPerShard(),
            s.parallelism(),
            s.shardsInFlight(),
            s.retry(),
            s.maxFailedUnits(),
            s.maxFailedFraction(),
            s.resources(),
            Duration.ofSeconds(1),
            s.taskQueue(),
            s.paramsHash());
    Shards.Recorder rec = new Shards.Recorder();
    List<TaskResult> results =
        executor(null).runShard(Shards.request(step, 0, 1, UnitRange.of(0, 2)), rec);
    assertTrue(result(results, 0).succeeded());
    assertEquals(FailureKind.TIMEOUT, result(results, 1).failure().kind());
    assertTrue(
        result(results, 1).failure().message().contains("timeout"),
        result(results, 1).failure().message());
    assertTrue(rec.balanced(), rec.events.toString());
  }

  @Test
  void aContainerStepRunsTheFacilityCommandAndItsUnitsAreMarked(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    cluster = new MockCluster((job, index, attempt) -> Outcome.run());
    java.nio.file.Path stepDir = dir.resolve("data/fly1/r7/stages/segment/inference");
    org.connectome.task.TaskDefinition def = JobFactoryTest.blockDefinition();
    def.write(stepDir.resolve("step.json"));
    org.connectome.spec.ContainerSpec container =
        new org.connectome.spec.ContainerSpec(
            "facility.example.org/ffn:2.1",
            List.of(
                "sh",
                "-c",
                "mkdir -p {stepDir}/output && echo \"$CX_TASK_ATTEMPT {bbox}\" > "
                    + "{stepDir}/output/u{unitStart}-{unitEnd}"),
            null);
    StepConfig step =
        new StepConfig(
            "fly1/r7",
            "fly1",
            "segment",
            "inference",
            0,
            "container",
            Map.of(),
            container,
            null,
            1,
            100,
            2,
            1,
            new org.connectome.pipeline.TaskRetry(2, Duration.ZERO, 1, Duration.ZERO, List.of()),
            0,
            0,
            new Resources("1", "1Gi", 0),
            Duration.ofHours(1),
            "q",
            "h");
    ShardRequest req =
        new ShardRequest(step, 0, List.of(UnitRange.of(0, 2)), stepDir, 1, "fly1/r7", null);
    List<TaskResult> results = executor(null).runShard(req, new Shards.Recorder());
    results.forEach(r -> assertTrue(r.succeeded(), r.toString()));
    assertEquals(
        "1 92-200_0-100_0-10",
        java.nio.file.Files.readString(stepDir.resolve("output/u1-2")).strip());
    var markers = new org.connectome.markers.MarkerStore(stepDir.resolve("markers"));
    assertEquals(
        2, markers.scan(UnitRange.of(0, 2), "h").cardinality(), "the executor marked both units");
    assertEquals("facility.example.org/ffn:2.1", markers.read(1, "h").orElseThrow().codeVersion());
  }

  @Test
  void aNewExecutionOfAFinishedShardRunsItsTasksAgain() throws Exception {
    // a stage resumed (or failed units retried) dispatches the shard again, and its activity starts
    // at attempt 1
    cluster = new MockCluster((job, index, attempt) -> Outcome.exit(10));
    ShardRequest req = Shards.request(Shards.step(1), 0, 1, UnitRange.of(0, 2));
    executor(null).runShard(req, new Shards.Recorder()).forEach(r -> assertFalse(r.succeeded()));
    cluster.controller.script((job, index, attempt) -> Outcome.ok());
    List<TaskResult> again = executor(null).runShard(req, new Shards.Recorder());
    again.forEach(r -> assertTrue(r.succeeded(), r.toString()));
    assertEquals(
        2, cluster.dispatcher.count("POST", "/jobs"), "the finished Job was replaced, not adopted");
    assertEquals(1, cluster.jobs().size());
    assertEquals(4, cluster.controller.podsCreated.get());
  }
}
