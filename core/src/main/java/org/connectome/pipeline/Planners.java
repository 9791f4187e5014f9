package org.connectome.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.connectome.acquisition.WatchSettings;
import org.connectome.spec.Param;

/** The planner of every step of the chain, and the parameters each planner reads. */
public final class Planners {
  private static final Vec3 NO_OVERLAP = new Vec3(0, 0, 0);

  /** The blocks of synapses.detect; synapses.index cuts the same grid into ranges. */
  private static final BlocksPlanner SYNAPSE_BLOCKS =
      new BlocksPlanner(
          "block", "blockSize", new Vec3(512, 512, 64), "blockOverlap", new Vec3(16, 16, 4), 16);

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
          Map.entry("segment.reconcile", new ReconcileShardsPlanner(1)),
          Map.entry("segment.merge", new ReconcileMergePlanner(1)),
          Map.entry(
              "segment.relabel",
              new BlocksPlanner(
                  "block", "blockSize", new Vec3(512, 512, 64), null, NO_OVERLAP, 16)),
          Map.entry("synapses.detect", SYNAPSE_BLOCKS),
          Map.entry("synapses.index", new BlockRangesPlanner(1)),
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

  /**
   * Segment shards of mesh.merge ({@code mergeShards}); mesh.blocks reads it too, to file each
   * block under the merge units its segments go to.
   */
  public static final Param<Integer> MERGE_SHARDS = SegmentShardsPlanner.SHARDS;

  private Planners() {}

  public static StepPlanner of(String stage, String step) {
    StepPlanner p = find(stage, step);
    if (p == null) {
      throw new IllegalArgumentException("no planner for step " + stage + "." + step);
    }
    return p;
  }

  /** The parameters the planner of {@code stage.step} reads, whatever runs the step. */
  public static List<Param<?>> params(String stage, String step) {
    StepPlanner p = find(stage, step);
    List<Param<?>> out = new ArrayList<>(p == null ? List.of() : p.params());
    if ((stage + "." + step).equals("ingest.ingest")) {
      out.addAll(WatchSettings.PARAMS);
    }
    return out;
  }

  /**
   * The compress stage has planners of its own ({@link CompressPlanners}: scale 0, the pyramid).
   */
  private static StepPlanner find(String stage, String step) {
    return stage.equals("compress") ? CompressPlanners.of(step) : PLANNERS.get(stage + "." + step);
  }

  /** {@code params.key} as three integers, or {@code fallback} when it is absent. */
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
      String kind, Param<int[]> size, Param<int[]> overlap, int defaultUnitsPerTask)
      implements StepPlanner {
    BlocksPlanner(
        String kind,
        String sizeParam,
        Vec3 defaultSize,
        String overlapParam,
        Vec3 defaultOverlap,
        int defaultUnitsPerTask) {
      this(
          kind,
          Param.int3(
              sizeParam,
              ints(defaultSize),
              1,
              "Size of a "
                  + kind
                  + " in voxels (x, y, z): the step's unit; the volume is cut into a grid of them."),
          overlapParam == null
              ? null
              : Param.int3(
                  overlapParam,
                  ints(defaultOverlap),
                  0,
                  "Voxels each "
                      + kind
                      + " reaches into its neighbours on every side (x, y, z), for context."),
          defaultUnitsPerTask);
    }

    @Override
    public List<Param<?>> params() {
      return overlap == null ? List.of(size) : List.of(size, overlap);
    }

    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) throws PlanningException {
      Vec3 size;
      Vec3 overlap;
      try {
        size = vec(this.size.read(step.qualifiedName(), step.params()));
        overlap =
            this.overlap == null
                ? NO_OVERLAP
                : vec(this.overlap.read(step.qualifiedName(), step.params()));
      } catch (IllegalArgumentException e) {
        throw new PlanningException(e.getMessage());
      }
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

  /**
   * Shards of consecutive subvolumes (of the grid {@code segment.overlaps} plans) for the
   * reconciliation's union-finds: a unit holds one shard's overlap tables, whatever the volume.
   */
  public record ReconcileShardsPlanner(int defaultUnitsPerTask) implements StepPlanner {
    /**
     * Subvolumes per shard; {@code segment.merge} reads it from the reconcile step's definition.
     */
    public static final Param<Integer> SHARD_SUBVOLUMES =
        Param.integer(
            "shardSubvolumes",
            64,
            1,
            Integer.MAX_VALUE,
            "Subvolumes per union-find shard of segment.reconcile: what one unit holds at once.");

    /** The kind of unit, which tells the runner that it runs one shard. */
    public static final String KIND = "subvolume-shard";

    @Override
    public List<Param<?>> params() {
      List<Param<?>> out = new ArrayList<>(SUBVOLUMES.params());
      out.add(SHARD_SUBVOLUMES);
      return out;
    }

    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) throws PlanningException {
      long subvolumes = SUBVOLUMES.plan(step, facts).unitCount();
      long shard;
      try {
        shard = SHARD_SUBVOLUMES.read(step.qualifiedName(), step.params());
      } catch (IllegalArgumentException e) {
        throw new PlanningException(e.getMessage());
      }
      long shards = (subvolumes + shard - 1) / shard;
      return new UnitSpace(
          KIND, shards, null, shards + " shards of " + shard + " of " + subvolumes + " subvolumes");
    }

    /** Shards of {@code step}'s subvolumes, as {@link #plan} counts them. */
    static long shards(StepConfig step, SampleFacts facts) throws PlanningException {
      return new ReconcileShardsPlanner(1).plan(step, facts).unitCount();
    }

    private static final BlocksPlanner SUBVOLUMES =
        new BlocksPlanner(
            "subvolume",
            "subvolumeSize",
            new Vec3(512, 512, 64),
            "subvolumeOverlap",
            new Vec3(32, 32, 8),
            16);
  }

  /**
   * {@code segment.merge} in rounds over the tree of the reconciliation's shards: round {@code l}
   * (from 1) has a unit per node of level {@code l}, each joining the open pairs between at most
   * {@code mergeFanIn} nodes of the level below (level 0: the shards of {@code segment.reconcile});
   * the last round has a unit per shard, which gives that shard's segments their dense global ids
   * and writes its subvolumes' maps. No unit holds more than a node's boundary or a shard.
   */
  public record ReconcileMergePlanner(int defaultUnitsPerTask) implements StepPlanner {
    /** Nodes of one level that a node of the next combines. */
    public static final Param<Integer> MERGE_FAN_IN =
        Param.integer(
            "mergeFanIn",
            8,
            2,
            Integer.MAX_VALUE,
            "Shards whose boundaries one node of the reconciliation's hierarchical merge combines.");

    /** The kind of unit, which tells the runner that it runs one node or one shard's numbering. */
    public static final String KIND = "merge-node";

    @Override
    public List<Param<?>> params() {
      List<Param<?>> out = new ArrayList<>(new ReconcileShardsPlanner(1).params());
      out.add(MERGE_FAN_IN);
      return out;
    }

    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) throws PlanningException {
      long shards = ReconcileShardsPlanner.shards(step, facts);
      int fanIn;
      try {
        fanIn = MERGE_FAN_IN.read(step.qualifiedName(), step.params());
      } catch (IllegalArgumentException e) {
        throw new PlanningException(e.getMessage());
      }
      List<Long> rounds = rounds(shards, fanIn);
      long units = rounds.stream().mapToLong(Long::longValue).sum();
      return new UnitSpace(
          KIND,
          units,
          null,
          (rounds.size() - 1)
              + " merge levels of "
              + rounds.subList(0, rounds.size() - 1)
              + " nodes over "
              + shards
              + " shards (at most "
              + fanIn
              + " per node), then the numbering of each shard",
          rounds);
    }

    /** Nodes of each level from 1 to the top (one node), then {@code shards} again. */
    public static List<Long> rounds(long shards, int fanIn) {
      List<Long> out = new ArrayList<>();
      for (long n = shards; n > 1; ) {
        n = (n + fanIn - 1) / fanIn;
        out.add(n);
      }
      out.add(shards);
      return out;
    }
  }

  /**
   * Ranges of {@code indexBlocks} compressed Morton codes of the {@code synapses.detect} grid (the
   * same {@code blockSize} and {@code blockOverlap}), so each range is an aligned box of blocks, in
   * two rounds: a {@code synapses.index} unit of the first indexes the sites of its box and hands
   * their relations to the buckets of segments they reach; a unit of the second writes one bucket's
   * relationships. Each holds and reads a share of the synapses whatever the sample, and writes
   * whole shards.
   */
  public record BlockRangesPlanner(int defaultUnitsPerTask) implements StepPlanner {
    /** Detect blocks per index unit: a power of two, so that by-id shards follow the ranges. */
    public static final Param<Integer> INDEX_BLOCKS =
        Param.integer(
            "indexBlocks",
            256,
            1,
            4096,
            "Detect blocks per synapses.index unit (a power of two, a box of the detect grid):"
                + " a unit holds the sites of its blocks and the pre/post relationships of one"
                + " bucket of segments.");

    /** The kind of unit: a box of blocks in the first round, a bucket of segments in the second. */
    public static final String KIND = "block-range";

    @Override
    public List<Param<?>> params() {
      List<Param<?>> out = new ArrayList<>(SYNAPSE_BLOCKS.params());
      out.add(INDEX_BLOCKS);
      return out;
    }

    /** {@code indexBlocks} of {@code params}, checked to be a power of two. */
    public static int indexBlocks(String step, Map<String, Object> params) {
      int g = INDEX_BLOCKS.read(step, params);
      if (Integer.bitCount(g) != 1) {
        throw new IllegalArgumentException(step + ": indexBlocks must be a power of two, not " + g);
      }
      return g;
    }

    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) throws PlanningException {
      UnitSpace blocks = SYNAPSE_BLOCKS.plan(step, facts);
      long g;
      try {
        g = indexBlocks(step.qualifiedName(), step.params());
      } catch (IllegalArgumentException e) {
        throw new PlanningException(e.getMessage());
      }
      long ranges = ranges(blocks.grid(), g);
      return new UnitSpace(
          KIND,
          2 * ranges,
          null,
          ranges
              + " boxes of "
              + g
              + " Morton codes of "
              + blocks.unitCount()
              + " synapse blocks (spatial and by-id indexes), then "
              + ranges
              + " buckets of segments (pre/post indexes)",
          List.of(ranges, ranges));
    }

    /** Units for {@code grid} in ranges of {@code g} compressed Morton codes. */
    public static long ranges(BlockGrid grid, long g) {
      int bits = ShardLayout.mortonBits(grid.gridSize());
      if (bits > 62) {
        throw new IllegalArgumentException("a grid of " + grid.gridSize() + " blocks is too large");
      }
      return Math.max(1, ((1L << bits) + g - 1) / g);
    }
  }

  /** Segment ID space cut into shards for per-segment merging. */
  record SegmentShardsPlanner(int defaultUnitsPerTask) implements StepPlanner {
    static final Param<Integer> SHARDS =
        Param.integer(
            "mergeShards",
            16,
            1,
            Integer.MAX_VALUE,
            "Segment shards of mesh.merge: each unit merges the meshes of the segments whose id"
                + " modulo this number (sharded meshes: whose shard) is its index; set it in the"
                + " mesh stage's params, mesh.blocks files its blocks by it.");

    @Override
    public List<Param<?>> params() {
      return List.of(SHARDS);
    }

    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) throws PlanningException {
      long shards;
      try {
        shards = SHARDS.read(step.qualifiedName(), step.params());
      } catch (IllegalArgumentException e) {
        throw new PlanningException(e.getMessage());
      }
      return new UnitSpace("segment-shard", shards, null, shards + " segment shards");
    }
  }

  private static int[] ints(Vec3 v) {
    return new int[] {(int) v.x(), (int) v.y(), (int) v.z()};
  }

  private static Vec3 vec(int[] v) {
    return new Vec3(v[0], v[1], v[2]);
  }
}
