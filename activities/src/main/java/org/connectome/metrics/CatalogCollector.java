package org.connectome.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.RunRecord;
import org.connectome.catalog.RunState;
import org.connectome.catalog.RunStatus;
import org.connectome.catalog.StageStatus;
import org.connectome.catalog.StepState;
import org.connectome.catalog.StepStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run, stage and step state read from the catalog at scrape time, so every worker shows the same
 * numbers and they survive worker restarts. One run per sample is shown: the most recently updated
 * one, among runs that are active or changed in the last day (labels stay bounded: sample, run,
 * stage, step, state).
 */
public final class CatalogCollector implements MultiCollector {
  private static final Logger log = LoggerFactory.getLogger(CatalogCollector.class);
  private static final Duration RECENT = Duration.ofDays(1);

  private final Catalog catalog;
  private final Clock clock;

  public CatalogCollector(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  @Override
  public MetricSnapshots collect() {
    Instant now = clock.instant();
    GaugeSnapshot.Builder runs =
        GaugeSnapshot.builder()
            .name("connectome_runs")
            .help("Runs in the catalog by state (runs of the last day and all active runs)");
    GaugeSnapshot.Builder runState =
        GaugeSnapshot.builder()
            .name("connectome_run_state")
            .help("1 for the current state of the latest run of each sample");
    GaugeSnapshot.Builder stageState =
        GaugeSnapshot.builder()
            .name("connectome_stage_state")
            .help("1 for the current state of each stage of the latest run of each sample");
    GaugeSnapshot.Builder stageUnits =
        GaugeSnapshot.builder()
            .name("connectome_stage_units")
            .help(
                "Units of a stage's planned steps by state: total, done, failed, running, pending");
    GaugeSnapshot.Builder stepUnits =
        GaugeSnapshot.builder()
            .name("connectome_step_units")
            .help("Units of a step by state: total, done, failed, running, pending");
    GaugeSnapshot.Builder eta =
        GaugeSnapshot.builder()
            .name("connectome_stage_eta_seconds")
            .help("Seconds until the running step of a stage finishes, at its rate so far");
    GaugeSnapshot.Builder rate =
        GaugeSnapshot.builder()
            .name("connectome_stage_units_per_second")
            .help("Units per second of the running step of a stage, since it started");
    CounterSnapshot.Builder resumes =
        CounterSnapshot.builder()
            .name("connectome_stage_resumes")
            .help("Automatic resumes of each stage of the latest run of each sample");
    try {
      List<RunRecord> all = catalog.runs().list(500);
      Map<RunState, Integer> byState = new EnumMap<>(RunState.class);
      for (RunState s : RunState.values()) {
        byState.put(s, 0);
      }
      Set<String> samples = new HashSet<>();
      for (RunRecord r : all) {
        boolean recent =
            !r.state().isTerminal()
                || r.updatedAt() == null
                || r.updatedAt().isAfter(now.minus(RECENT));
        if (!recent) {
          continue;
        }
        byState.merge(r.state(), 1, Integer::sum);
        if (!samples.add(r.sample())) {
          continue; // listRuns is newest first: the first run of a sample is its latest
        }
        runState.dataPoint(
            point(1, "sample", r.sample(), "run", r.run(), "state", r.state().name()));
        RunStatus status = catalog.progress().status(r.runId());
        for (StageStatus st : status.stages()) {
          String[] base = {"sample", r.sample(), "stage", st.stage()};
          stageState.dataPoint(
              point(1, "sample", r.sample(), "stage", st.stage(), "state", st.state().name()));
          resumes.dataPoint(
              CounterSnapshot.CounterDataPointSnapshot.builder()
                  .value(st.resumes())
                  .labels(Labels.of(base))
                  .build());
          long total = 0;
          long done = 0;
          long failed = 0;
          long running = 0;
          for (StepStatus step : st.steps()) {
            total += step.unitsTotal();
            done += step.unitsDone();
            failed += step.unitsFailed();
            running += step.unitsRunning();
            for (Map.Entry<String, Long> e :
                Map.of(
                        "total",
                        step.unitsTotal(),
                        "done",
                        step.unitsDone(),
                        "failed",
                        step.unitsFailed(),
                        "running",
                        step.unitsRunning(),
                        "pending",
                        step.unitsPending())
                    .entrySet()) {
              stepUnits.dataPoint(
                  point(
                      e.getValue(),
                      "sample",
                      r.sample(),
                      "stage",
                      st.stage(),
                      "step",
                      step.step(),
                      "state",
                      e.getKey()));
            }
            if (step.state() == StepState.RUNNING) {
              OptionalDouble secs = StageEta.etaSeconds(step, now);
              if (secs.isPresent()) {
                eta.dataPoint(point(secs.getAsDouble(), base));
              }
              OptionalDouble perSecond = StageEta.rate(step, now);
              if (perSecond.isPresent()) {
                rate.dataPoint(point(perSecond.getAsDouble(), base));
              }
            }
          }
          long pending = Math.max(0, total - done - failed - running);
          for (Map.Entry<String, Long> e :
              Map.of(
                      "total", total, "done", done, "failed", failed, "running", running, "pending",
                      pending)
                  .entrySet()) {
            stageUnits.dataPoint(
                point(
                    e.getValue(), "sample", r.sample(), "stage", st.stage(), "state", e.getKey()));
          }
        }
      }
      byState.forEach((s, n) -> runs.dataPoint(point(n, "state", s.name())));
    } catch (RuntimeException e) {
      // a scrape must not fail because the catalog is briefly unreachable; the gap shows on the
      // dashboards
      log.warn("catalog metrics unavailable: {}", e.toString());
    }
    return MetricSnapshots.of(
        runs.build(),
        runState.build(),
        stageState.build(),
        stageUnits.build(),
        stepUnits.build(),
        eta.build(),
        rate.build(),
        resumes.build());
  }

  private static GaugeSnapshot.GaugeDataPointSnapshot point(double value, String... labels) {
    return GaugeSnapshot.GaugeDataPointSnapshot.builder()
        .value(value)
        .labels(Labels.of(labels))
        .build();
  }
}
