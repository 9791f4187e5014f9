package org.connectome.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import org.connectome.executor.FailureKind;

/**
 * The platform's own metrics, written by the activities as work happens. Labels are bounded:
 * sample, stage, step, outcome or failure kind; never a tile, block, unit or task id.
 */
public final class PlatformMetrics {
  private final PrometheusRegistry registry;
  private final Counter units;
  private final Counter taskAttempts;
  private final Counter taskFailures;
  private final Counter shards;
  private final Gauge tasksInFlight;
  private final Histogram taskDuration;

  public PlatformMetrics(PrometheusRegistry registry) {
    this.registry = registry;
    units =
        Counter.builder()
            .name("connectome_units_total")
            .help(
                "Units finished by this worker, by outcome: done (ran and marked), skipped (already had a valid "
                    + "marker), failed (failed for good after retries)")
            .labelNames("sample", "stage", "step", "outcome")
            .register(registry);
    taskAttempts =
        Counter.builder()
            .name("connectome_task_attempts_total")
            .help(
                "Task attempts ended, by outcome: succeeded, retried (failed, another attempt follows), failed "
                    + "(failed for good)")
            .labelNames("sample", "stage", "step", "outcome")
            .register(registry);
    taskFailures =
        Counter.builder()
            .name("connectome_task_failures_total")
            .help(
                "Failed task attempts by failure kind (units_failed, out_of_memory, evicted, image_pull, ...)")
            .labelNames("sample", "stage", "step", "kind")
            .register(registry);
    shards =
        Counter.builder()
            .name("connectome_shards_total")
            .help(
                "Shards finished, by outcome: done, skipped (nothing left to do), failed (some units failed for "
                    + "good)")
            .labelNames("sample", "stage", "step", "outcome")
            .register(registry);
    tasksInFlight =
        Gauge.builder()
            .name("connectome_tasks_in_flight")
            .help("Task attempts running now")
            .labelNames("sample", "stage", "step")
            .register(registry);
    taskDuration =
        Histogram.builder()
            .name("connectome_task_duration_seconds")
            .help("Wall time of task attempts")
            .classicUpperBounds(0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200)
            .labelNames("sample", "stage", "step")
            .register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  public void unitsDone(String sample, String stage, String step, long n) {
    if (n > 0) {
      units.labelValues(sample, stage, step, "done").inc(n);
    }
  }

  public void unitsSkipped(String sample, String stage, String step, long n) {
    if (n > 0) {
      units.labelValues(sample, stage, step, "skipped").inc(n);
    }
  }

  public void unitsFailed(String sample, String stage, String step, long n) {
    if (n > 0) {
      units.labelValues(sample, stage, step, "failed").inc(n);
    }
  }

  public void taskStarted(String sample, String stage, String step) {
    tasksInFlight.labelValues(sample, stage, step).inc();
  }

  /** A task attempt ended; {@code kind} is null when it succeeded. */
  public void taskEnded(
      String sample,
      String stage,
      String step,
      double seconds,
      FailureKind kind,
      boolean willRetry) {
    tasksInFlight.labelValues(sample, stage, step).dec();
    taskDuration.labelValues(sample, stage, step).observe(seconds);
    String outcome = kind == null ? "succeeded" : willRetry ? "retried" : "failed";
    taskAttempts.labelValues(sample, stage, step, outcome).inc();
    if (kind != null) {
      taskFailures.labelValues(sample, stage, step, kind.name().toLowerCase(Locale.ROOT)).inc();
    }
  }

  public void shardEnded(String sample, String stage, String step, String outcome) {
    shards.labelValues(sample, stage, step, outcome).inc();
  }

  /**
   * Makes every label combination of a step visible at zero, so rates and dashboards have a series
   * at once.
   */
  public void initStep(String sample, String stage, String step) {
    for (String o : new String[] {"done", "skipped", "failed"}) {
      units.labelValues(sample, stage, step, o);
    }
    for (String o : new String[] {"succeeded", "retried", "failed"}) {
      taskAttempts.labelValues(sample, stage, step, o);
    }
    tasksInFlight.labelValues(sample, stage, step);
    taskDuration.labelValues(sample, stage, step);
  }
}
