package org.connectome.executor.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.connectome.executor.ExecutorException;
import org.connectome.executor.FailureClassifier;
import org.connectome.executor.ShardListener;
import org.connectome.executor.ShardRequest;
import org.connectome.executor.StageExecutor;
import org.connectome.executor.TaskFailure;
import org.connectome.executor.TaskResult;
import org.connectome.executor.Termination;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.Quantities;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;

/**
 * Runs shards on this machine: each task attempt through a {@link TaskLauncher} (a child process by
 * default), at most {@code parallelism} tasks of one shard at once and at most {@code
 * maxConcurrentTasks} CPU slots over all shards, each task retried per the step's policy with
 * backoff. A task needing {@code cpu: 2} takes two slots, as it would take two cores of a node. The
 * tasks of a {@code command} step run the facility's program instead ({@link ProgramTasks}).
 */
public final class LocalExecutor implements StageExecutor {
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final int LOG_TAIL_BYTES = 4096;
  private static final AtomicInteger POOL = new AtomicInteger();

  private final TaskLauncher launcher;
  private final int maxSlots;
  private final Semaphore slots;
  private final ExecutorService threads;
  private final PythonEnvironments pythons =
      PythonEnvironments.of(System.getenv(), Path.of(System.getProperty("user.dir")));

  public LocalExecutor(TaskLauncher launcher, int maxConcurrentTasks) {
    if (maxConcurrentTasks < 1) {
      throw new IllegalArgumentException("maxConcurrentTasks must be > 0");
    }
    this.launcher = launcher;
    this.maxSlots = maxConcurrentTasks;
    this.slots = new Semaphore(maxConcurrentTasks, true);
    int pool = POOL.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    this.threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "local-executor-" + pool + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public String describe() {
    return "local (" + launcher.name() + ", " + maxSlots + " slots)";
  }

  /** CPU slots currently free; for metrics and tests. */
  public int freeSlots() {
    return slots.availablePermits();
  }

  @Override
  public List<TaskResult> runShard(ShardRequest request, ShardListener listener)
      throws InterruptedException, ExecutorException {
    StepConfig step = request.step();
    ProgramTasks program = null;
    if (Pipeline.COMMAND.equals(step.implementation())) {
      try {
        program = ProgramTasks.prepare(step, request.stepDir(), pythons);
      } catch (ProgramTasks.PreparationFailed e) {
        return TaskResult.allFailed(
            request,
            listener,
            FailureClassifier.classify(e.termination(), step.retry().nonRetryableExitCodes()));
      }
    }
    ProgramTasks programTasks = program;
    String tasksEnv = Ranges.format(request.tasks());
    Semaphore parallel = new Semaphore(Math.max(1, step.parallelism()));
    int weight =
        (int)
            Math.min(maxSlots, Math.max(1, Math.ceil(Quantities.cpuCores(step.resources().cpu()))));
    List<Future<TaskResult>> futures = new ArrayList<>();
    Set<Thread> active = ConcurrentHashMap.newKeySet();
    AtomicBoolean stopping = new AtomicBoolean();
    // the step's timeout bounds the whole shard: a task still running then is stopped and not
    // retried
    long deadline = System.nanoTime() + step.timeout().toNanos();
    long index = 0;
    for (UnitRange r : request.tasks()) {
      for (long task = r.from(); task < r.to(); task++) {
        long k = index++;
        long t = task;
        futures.add(
            threads.submit(
                () -> {
                  active.add(Thread.currentThread());
                  try {
                    if (stopping.get()) {
                      throw new InterruptedException("shard stopping");
                    }
                    return runTask(
                        request,
                        programTasks,
                        k,
                        t,
                        tasksEnv,
                        parallel,
                        weight,
                        listener,
                        deadline);
                  } finally {
                    active.remove(Thread.currentThread());
                  }
                }));
      }
    }
    List<TaskResult> results = new ArrayList<>();
    try {
      for (Future<TaskResult> f : futures) {
        results.add(f.get());
      }
    } catch (InterruptedException e) {
      stopAll(futures, active, stopping);
      throw e;
    } catch (ExecutionException e) {
      stopAll(futures, active, stopping);
      Throwable cause = e.getCause();
      if (cause instanceof ExecutorException ee) {
        throw ee;
      }
      throw new ExecutorException(
          "local executor failed running shard "
              + request.shard()
              + " of "
              + step.qualifiedName()
              + ": "
              + cause,
          cause);
    }
    return results;
  }

  /**
   * Interrupts every task thread of the shard (each stops its task: the process killed after a
   * grace period) and returns only when all of them have ended, so a caller never sees a shard as
   * stopped while its tasks still run or hold slots.
   */
  private static void stopAll(
      List<Future<TaskResult>> futures, Set<Thread> active, AtomicBoolean stopping) {
    stopping.set(true);
    for (Future<TaskResult> f : futures) {
      f.cancel(true);
    }
    boolean interrupted = Thread.interrupted();
    while (!active.isEmpty()) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private TaskResult runTask(
      ShardRequest req,
      ProgramTasks program,
      long index,
      long task,
      String tasksEnv,
      Semaphore parallel,
      int weight,
      ShardListener listener,
      long deadline)
      throws InterruptedException, ExecutorException {
    StepConfig step = req.step();
    StepLayout layout = new StepLayout(req.stepDir());
    TaskFailure failure = null;
    String tail = null;
    Duration duration = Duration.ZERO;
    int attempt = 0;
    int maxAttempts = Math.max(1, step.retry().maxAttempts());
    while (attempt < maxAttempts) {
      attempt++;
      if (attempt > 1) {
        Thread.sleep(step.retry().backoffBefore(attempt).toMillis());
      }
      Path logFile = layout.logFile(task, attempt);
      parallel.acquire();
      try {
        slots.acquire(weight);
        try {
          long logStart = size(logFile);
          Instant start = Instant.now();
          listener.taskStarted(task, attempt);
          TaskLaunch launch =
              new TaskLaunch(
                  req.stepDir(), tasksEnv, index, task, attempt, step.resources(), logFile);
          Termination end;
          try {
            RunningTask running = (program != null ? program : launcher).launch(launch);
            end = await(running, deadline, step.timeout());
          } catch (ProgramTasks.NotStarted e) {
            end = new Termination(-1, "LaunchFailed", e.getMessage());
          } catch (IOException e) {
            throw new ExecutorException(
                "cannot start task " + task + " of " + step.qualifiedName() + ": " + e.getMessage(),
                e);
          }
          duration = Duration.between(start, Instant.now());
          if (program != null && end.exitCode() == 0 && end.reason() == null) {
            end = completeProgram(program, step, task, attempt, start);
          }
          failure = FailureClassifier.classify(end, step.retry().nonRetryableExitCodes());
          tail = failure == null ? null : tail(logFile, logStart);
        } finally {
          slots.release(weight);
        }
      } finally {
        parallel.release();
      }
      listener.taskAttemptEnded(task, attempt, failure, duration);
      if (failure == null || !failure.retryable() || System.nanoTime() > deadline) {
        break;
      }
    }
    TaskResult result = new TaskResult(task, attempt, failure, tail, duration);
    listener.taskFinished(result);
    return result;
  }

  /** The completion rule of a program that exited 0: its outputs, then its units' markers. */
  private static Termination completeProgram(
      ProgramTasks program, StepConfig step, long task, int attempt, Instant start)
      throws ExecutorException {
    try {
      Termination t = program.complete(task, attempt, start, Instant.now());
      return t == null ? Termination.exit(0) : t;
    } catch (IOException e) {
      throw new ExecutorException(
          "task "
              + task
              + " of "
              + step.qualifiedName()
              + " succeeded but its markers cannot be written: "
              + e.getMessage(),
          e);
    }
  }

  private static Termination await(RunningTask running, long deadline, Duration timeout)
      throws InterruptedException {
    try {
      while (true) {
        OptionalInt code = running.waitFor(Duration.ofSeconds(1));
        if (code.isPresent()) {
          return Termination.exit(code.getAsInt());
        }
        if (System.nanoTime() > deadline) {
          running.stop(STOP_GRACE);
          return new Termination(
              -1, "DeadlineExceeded", "the shard ran past its timeout of " + timeout);
        }
      }
    } catch (InterruptedException e) {
      running.stop(STOP_GRACE);
      throw e;
    }
  }

  private static long size(Path f) {
    try {
      return Files.exists(f) ? Files.size(f) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** The last few KB a failed attempt wrote to its log, for the run's error report. */
  static String tail(Path logFile, long from) {
    try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
      long len = f.length();
      long start = Math.max(from, len - LOG_TAIL_BYTES);
      byte[] buf = new byte[(int) (len - start)];
      f.seek(start);
      f.readFully(buf);
      String s = new String(buf, StandardCharsets.UTF_8);
      if (start > from) {
        int nl = s.indexOf('\n');
        s = "..." + (nl >= 0 ? s.substring(nl) : s);
      }
      return s.strip();
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
