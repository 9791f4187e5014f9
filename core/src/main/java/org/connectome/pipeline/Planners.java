package org.connectome.pipeline;

import java.util.List;
import java.util.Map;
import org.connectome.spec.SpecCheck;

/** The planner of every step of the chain, and the spec check for the planner parameters. */
public final class Planners {
  private static final Vec3 NO_OVERLAP = new Vec3(0, 0, 0);

  /*
   * Default units per task: with the default 100 tasks per shard, every step whose units are blocks,
   * subvolumes, section pairs or segment shards gets Jobs of at least 1,000 units (bench/ measures why: the
   * orchestration and the Kubernetes Job controller cost per shard and per pod, not per unit; an H01-sized
   * block step of 1.26 million units is then about 1,000 Jobs and 80,000 to 125,000 pods instead of 12,558 Jobs
   * and 1.26 million pods). Sections stay one per task: a section is the heaviest unit (about 42,000 tiles).
   */
  private static final Map<String, StepPlanner> PLANNERS =
      Map.ofEntries(
          Map.entry("ingest.ingest", new SectionsPlanner(1)),
          Map.entry("stitch.stitch", new SectionsPlanner(1)),
          Map.entry("align.pairs", new SectionPairsPlanner(10)),
          Map.entry("align.solve", new SingleUnitPlanner("solve", "one solve over all sections")),
          Map.entry(
              "align.render",
              new BlocksPlanner(
                  "block", "renderBlockSize", new Vec3(1024, 1024, 32), null, NO_OVERLAP, 16)),
          Map.entry(
              "segment.inference",
              new BlocksPlanner(
                  "subvolume",
                  "subvolumeSize",
                  new Vec3(512, 512, 64),
                  "subvolumeOverlap",
                  new Vec3(32, 32, 8),
                  10)),
          Map.entry(
              "segment.overlaps",
              new BlocksPlanner(
                  "subvolume",
                  "subvolumeSize",
                  new Vec3(512, 512, 64),
                  "subvolumeOverlap",
                  new Vec3(32, 32, 8),
                  16)),
          Map.entry(
              "segment.reconcile",
              new SingleUnitPlanner(
                  "reconcile",
                  "one union-find of the subvolumes' overlap agreements into global IDs")),
          Map.entry(
              "segment.relabel",
              new BlocksPlanner(
                  "block", "blockSize", new Vec3(512, 512, 64), null, NO_OVERLAP, 16)),
          Map.entry(
              "synapses.detect",
              new BlocksPlanner(
                  "block",
                  "blockSize",
                  new Vec3(512, 512, 64),
                  "blockOverlap",
                  new Vec3(16, 16, 4),
                  16)),
          Map.entry(
              "synapses.index",
              new SingleUnitPlanner(
                  "index",
                  "one annotation collection (spatial, by-id and pre/post indexes) over all synapse blocks")),
          Map.entry(
              "mesh.blocks",
              new BlocksPlanner(
                  "block",
                  "blockSize",
                  new Vec3(512, 512, 64),
                  "blockOverlap",
                  new Vec3(1, 1, 1),
                  16)),
          Map.entry("mesh.merge", new SegmentShardsPlanner(10)));

  private Planners() {}

  public static StepPlanner of(String stage, String step) {
    StepPlanner p =
        stage.equals("compress") ? CompressPlanners.of(step) : PLANNERS.get(stage + "." + step);
    if (p == null) {
      throw new IllegalArgumentException("no planner for step " + stage + "." + step);
    }
    return p;
  }

  /** Checks the parameters planners read (block sizes and overlaps: three positive integers). */
  public static SpecCheck paramsCheck() {
    return (spec, errors) -> {
      for (int i = 0; i < spec.stages().size(); i++) {
        var st = spec.stages().get(i);
        checkParams(st.params(), "stages[" + i + "].params", errors);
        for (var e : st.steps().entrySet()) {
          checkParams(
              e.getValue().params(), "stages[" + i + "].steps." + e.getKey() + ".params", errors);
        }
      }
    };
  }

  private static void checkParams(
      Map<String, Object> params, String path, org.connectome.spec.SpecErrors errors) {
    for (String key : List.of("renderBlockSize", "subvolumeSize", "blockSize")) {
      checkVec(params.get(key), path + "." + key, 1, errors);
    }
    for (String key : List.of("subvolumeOverlap", "blockOverlap")) {
      checkVec(params.get(key), path + "." + key, 0, errors);
    }
    Object sharding = params.get("sharding");
    if (sharding != null && !List.of("auto", "always", "never").contains(sharding)) {
      errors.add(path + ".sharding", "must be auto, always or never");
    }
    for (String key : List.of("shardBytes", "shardedAbove")) {
      try {
        if (PyramidPlan.bytes(params.get(key), 1) < 1) {
          errors.add(path + "." + key, "must be a positive byte size");
        }
      } catch (IllegalArgumentException e) {
        errors.add(path + "." + key, e.getMessage());
      }
    }
    Object shards = params.get("mergeShards");
    if (shards != null && !(shards instanceof Integer n && n > 0)) {
      errors.add(path + ".mergeShards", "must be an integer > 0");
    }
  }

  private static void checkVec(
      Object v, String path, long min, org.connectome.spec.SpecErrors errors) {
    if (v == null) {
      return;
    }
    if (!(v instanceof List<?> l)
        || l.size() != 3
        || !l.stream()
            .allMatch(
                x ->
                    x instanceof Number n
                        && n.doubleValue() == n.longValue()
                        && n.longValue() >= min)) {
      errors.add(
          path, "must be three integers >= " + min + " (x, y, z), for example [512, 512, 64]");
    }
  }

  static Vec3 vec(Map<String, Object> params, String key, Vec3 fallback) {
    Object v = key == null ? null : params.get(key);
    if (v instanceof List<?> l && l.size() == 3) {
      return new Vec3(
          ((Number) l.get(0)).longValue(),
          ((Number) l.get(1)).longValue(),
          ((Number) l.get(2)).longValue());
    }
    return fallback;
  }

  /** One unit per section. */
  record SectionsPlanner(int defaultUnitsPerTask) implements StepPlanner {
    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) {
      return new UnitSpace(
          "section",
          facts.sections(),
          null,
          facts.sections() + " sections (" + facts.sectionsSource() + ")");
    }
  }

  /** One unit per pair of neighbouring sections. */
  record SectionPairsPlanner(int defaultUnitsPerTask) implements StepPlanner {
    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) {
      long pairs = Math.max(0, facts.sections() - 1);
      return new UnitSpace("section-pair", pairs, null, pairs + " section pairs");
    }
  }

  /** A single unit (a global solve). */
  record SingleUnitPlanner(String kind, String description) implements StepPlanner {
    @Override
    public int defaultUnitsPerTask() {
      return 1;
    }

    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) {
      return new UnitSpace(kind, facts.sections() > 0 ? 1 : 0, null, description);
    }
  }

  /** Blocks of the aligned volume, sized by a parameter, with optional overlap. */
  record BlocksPlanner(
      String kind,
      String sizeParam,
      Vec3 defaultSize,
      String overlapParam,
      Vec3 defaultOverlap,
      int defaultUnitsPerTask)
      implements StepPlanner {
    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) throws PlanningException {
      Vec3 size = vec(step.params(), sizeParam, defaultSize);
      Vec3 overlap = vec(step.params(), overlapParam, defaultOverlap);
      if (facts.volume().volume() == 0) {
        throw new PlanningException(
            "step "
                + step.qualifiedName()
                + ": the volume size is unknown; set volume.width,"
                + " volume.height and volume.sections in the spec or run the alignment that measures it");
      }
      BlockGrid grid = new BlockGrid(facts.volume(), size, overlap);
      return new UnitSpace(
          kind,
          grid.blockCount(),
          grid,
          grid.blockCount()
              + " "
              + kind
              + "s of "
              + size
              + " (grid "
              + grid.gridSize()
              + ", overlap "
              + overlap
              + ") over "
              + facts.volume());
    }
  }

  /** Segment ID space cut into shards for per-segment merging. */
  record SegmentShardsPlanner(int defaultUnitsPerTask) implements StepPlanner {
    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) {
      Object v = step.params().get("mergeShards");
      long shards = v instanceof Number n ? n.longValue() : 16;
      return new UnitSpace("segment-shard", shards, null, shards + " segment shards");
    }
  }
}
