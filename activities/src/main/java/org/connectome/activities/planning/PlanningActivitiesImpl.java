package org.connectome.activities.planning;

import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.connectome.acquisition.SectionFolder;
import org.connectome.acquisition.SectionReadiness;
import org.connectome.activities.VerifiedMarkers;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.EventKind;
import org.connectome.catalog.RunEvent;
import org.connectome.catalog.ShardProgress;
import org.connectome.catalog.ShardState;
import org.connectome.catalog.StepRegistration;
import org.connectome.layout.RunLayout;
import org.connectome.layout.SampleFactsResolver;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarkers;
import org.connectome.markers.MarkerStores;
import org.connectome.metrics.PlatformMetrics;
import org.connectome.pipeline.CodeVersion;
import org.connectome.pipeline.Planners;
import org.connectome.pipeline.PlanningException;
import org.connectome.pipeline.SampleFacts;
import org.connectome.pipeline.StepConfig;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.spec.RunSpec;
import org.connectome.task.TaskDefinition;
import org.connectome.units.Grouping;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;

/** Plans steps against the data store and registers them in the catalog. */
public final class PlanningActivitiesImpl implements PlanningActivities {
  /** Pending shard ranges returned to the workflow at most; beyond, ranges are merged. */
  static final int MAX_PENDING_RANGES = 200;

  private final Catalog catalog;
  private final PlatformMetrics metrics;
  private final MarkerStores markerStores;

  public PlanningActivitiesImpl(
      Catalog catalog, PlatformMetrics metrics, MarkerStores markerStores) {
    this.catalog = catalog;
    this.metrics = metrics;
    this.markerStores = markerStores;
  }

  public PlanningActivitiesImpl(Catalog catalog, PlatformMetrics metrics) {
    this(catalog, metrics, MarkerStores.files());
  }

  @Override
  public PlanStepOutput planStep(PlanStepInput input) {
    RunSpec spec = input.spec();
    StepConfig step = input.step();
    RunLayout run = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run());
    StepLayout layout = run.step(step.stage(), step.step());
    try {
      SampleFacts facts = SampleFactsResolver.resolve(spec, run);
      UnitSpace units = Planners.of(step.stage(), step.step()).plan(step, facts);
      StepPlan plan = StepPlan.of(units, step);
      new TaskDefinition(
              spec.runId(),
              step.stage(),
              step.step(),
              step.implementation(),
              step.params(),
              step.paramsHash(),
              CodeVersion.get(),
              plan,
              run.runDir().toString(),
              spec.acquisition(),
              step.container(),
              spec.voxelSize())
          .write(layout.definitionFile());
      Grouping g = plan.grouping();
      CompletionMarkers markers = markerStores.forStep(layout);
      BitSet done = verifiedDone(markers, new UnitRange(0, g.unitCount()), step, spec.runId());
      List<ShardProgress> shards = new ArrayList<>();
      List<UnitRange> pending = new ArrayList<>();
      for (long s = 0; s < g.shardCount(); s++) {
        UnitRange r = g.unitsOfShard(s);
        long d = done.get((int) r.from(), (int) r.to()).cardinality();
        shards.add(
            new ShardProgress(
                spec.runId(),
                step.stage(),
                step.step(),
                s,
                r.size(),
                d,
                0,
                0,
                d == r.size() ? ShardState.DONE : ShardState.PENDING));
        if (d < r.size()) {
          pending.add(UnitRange.single(s));
        }
      }
      catalog
          .progress()
          .registerStep(
              new StepRegistration(
                  spec.runId(),
                  step.stage(),
                  step.step(),
                  step.ordinal(),
                  step.paramsHash(),
                  g.unitCount(),
                  g.taskCount(),
                  g.shardCount(),
                  shards));
      String description =
          units.description()
              + "; "
              + g.taskCount()
              + " tasks of "
              + g.unitsPerTask()
              + " units in "
              + g.shardCount()
              + " shards; "
              + done.cardinality()
              + " units already done";
      catalog
          .events()
          .record(
              new RunEvent(
                  0,
                  spec.runId(),
                  step.stage(),
                  step.step(),
                  EventKind.STEP_STARTED,
                  description,
                  null));
      metrics.initStep(spec.sample(), step.stage(), step.step());
      return new PlanStepOutput(
          units.unitKind(),
          g.unitCount(),
          g.taskCount(),
          g.shardCount(),
          done.cardinality(),
          Ranges.coarsen(Ranges.normalize(pending), MAX_PENDING_RANGES),
          description,
          g.rounds());
    } catch (PlanningException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "PlanningFailed");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "planning " + step.qualifiedName() + " in " + layout.dir() + ": " + e.getMessage(), e);
    }
  }

  private BitSet verifiedDone(
      CompletionMarkers markers, UnitRange range, StepConfig step, String runId)
      throws IOException {
    return VerifiedMarkers.done(markers, range, step, runId, catalog);
  }

  @Override
  public ReadyShardsOutput readyShards(ReadyShardsInput in) {
    StepConfig step = in.step();
    Grouping g = new Grouping(in.unitCount(), step.unitsPerTask(), step.tasksPerShard());
    List<UnitRange> ready = new ArrayList<>();
    String waiting = null;
    try {
      if (StreamSource.STEP.equals(in.source().kind())) {
        StepLayout upstream =
            in.run().layout().step(in.source().upstreamStage(), in.source().upstreamStep());
        CompletionMarkers markers = markerStores.forStep(upstream);
        for (UnitRange shards : in.candidates()) {
          for (long s = shards.from(); s < shards.to(); s++) {
            UnitRange units = g.unitsOfShard(s);
            long done = markers.countDone(units, in.source().upstreamParamsHash());
            if (done == units.size()) {
              ready.add(UnitRange.single(s));
            } else if (waiting == null) {
              waiting =
                  "shard "
                      + s
                      + ": "
                      + (units.size() - done)
                      + " units of "
                      + in.source().upstreamStage()
                      + "."
                      + in.source().upstreamStep()
                      + " not done yet";
            }
          }
        }
        boolean complete =
            markers.countDone(new UnitRange(0, g.unitCount()), in.source().upstreamParamsHash())
                == g.unitCount();
        return new ReadyShardsOutput(Ranges.normalize(ready), complete, waiting);
      }
      List<SectionFolder> sections = SectionFolder.list(Path.of(in.acquisition()));
      Instant now = Instant.now();
      Map<Long, Boolean> cache = new HashMap<>();
      for (UnitRange shards : in.candidates()) {
        for (long s = shards.from(); s < shards.to(); s++) {
          UnitRange units = g.unitsOfShard(s);
          boolean all = true;
          for (long u = units.from(); u < units.to() && all; u++) {
            if (u >= sections.size()) {
              all = false;
              if (waiting == null) {
                waiting =
                    "section " + u + " not in the acquisition yet (" + sections.size() + " so far)";
              }
              break;
            }
            long unit = u;
            all =
                cache.computeIfAbsent(
                    u,
                    k -> {
                      SectionReadiness.Result r =
                          SectionReadiness.check(
                              sections.get((int) unit),
                              unit + 1 < sections.size(),
                              in.source().settleTime(),
                              now);
                      return r.ready();
                    });
            if (!all && waiting == null) {
              waiting =
                  SectionReadiness.check(
                          sections.get((int) u),
                          u + 1 < sections.size(),
                          in.source().settleTime(),
                          now)
                      .reason();
            }
          }
          if (all) {
            ready.add(UnitRange.single(s));
          }
        }
      }
      List<UnitRange> normalized = Ranges.normalize(ready);
      boolean complete =
          Ranges.count(normalized) == Ranges.count(Ranges.normalize(in.candidates()));
      return new ReadyShardsOutput(normalized, complete, waiting);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "checking what is ready for " + step.qualifiedName() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public SummarizeStepOutput summarizeStep(SummarizeStepInput input) {
    StepLayout layout = input.run().layout().step(input.step().stage(), input.step().step());
    try {
      UnitRange all = new UnitRange(0, input.unitCount());
      BitSet done = markerStores.forStep(layout).scan(all, input.step().paramsHash());
      List<UnitRange> missing = Ranges.clear(done, 0, all);
      long missingCount = Ranges.count(missing);
      return new SummarizeStepOutput(
          done.cardinality(),
          missingCount,
          Ranges.coarsen(missing, SummarizeStepOutput.MAX_RANGES));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "reading markers of " + input.step().qualifiedName() + ": " + e.getMessage(), e);
    }
  }
}
