package org.connectome.stages.segment;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Json;
import org.connectome.pipeline.Planners.ReconcileMergePlanner;
import org.connectome.pipeline.Planners.ReconcileShardsPlanner;
import org.connectome.spec.Param;
import org.connectome.stages.precomputed.AtomicFiles;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.SegmentProperties;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code segment.reconcile}, a unit per shard of subvolumes, then {@code segment.merge}: merges the
 * subvolumes' local segment ids into global ids by their agreement in the overlaps, the part
 * google/ffn leaves to the facility.
 *
 * <p>Every (subvolume, local id) is an element of a union-find, cut into shards of subvolumes and
 * merged level by level ({@link ShardedReconcile}), so that no phase holds more than a shard or the
 * boundary between a few shards. A pair {@code (a, b)} counted by {@code segment.overlaps} in the
 * region two neighbouring subvolumes share is joined when its co-occurrence count {@code n} is at
 * least {@code minOverlapVoxels}, at least {@code minOverlapFraction} of the smaller of the two
 * segments' voxels in that region and at least {@code minLargerFraction} of the larger one's: one
 * neurite seen by both subvolumes covers most of the same voxels in both, while two neurites that
 * merely touch (a boundary drawn a voxel apart, a thin contact) share a small fraction of either
 * and stay apart, and a sliver of a neurite that one subvolume saw only at its edge and gave to its
 * neighbour (a small share of that neighbour) does not join the two neurites. Global ids are dense
 * from 1, in the order of the subvolumes and then of the local ids of their cores; a segment's
 * voxel count is the sum of its members' core counts (each voxel lies in exactly one subvolume
 * core). Segments seen only in overlap regions (no core voxel) get no global id: no voxel of the
 * volume is theirs.
 *
 * <p>A shard unit writes its union-find's files under {@code output/level0/}; {@code segment.merge}
 * (in rounds: a unit per merge node of each level, then a unit per shard; or the one unit of a plan
 * from before the rounds) writes {@code output/maps/<unit / 1000>/s<unit>.tsv} ({@code local,
 * global, voxels} of the ids in that subvolume's core, what {@code segment.relabel} reads), the
 * segment list in parts {@code output/segments/<shard / 1000>/<shard>.tsv} ({@code id, voxels} of
 * the segments whose least element lies in the shard), {@code output/summary.json}, and the segment
 * properties (voxel count and a label, for the largest segments) into {@code
 * neuroglancer/segmentation/<segmentProperties>/info} unless {@code segmentProperties} is {@code
 * none}.
 */
public final class SegmentReconcileRunner implements UnitRunner {
  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;
  private final Params params;

  /** Whether a unit is one shard (else the one unit of a plan from before the shards runs all). */
  private final boolean sharded;

  /**
   * The rules.
   *
   * @param minOverlapVoxels least co-occurring voxels of a joined pair (default 100)
   * @param minOverlapFraction least share of the smaller segment's voxels in the shared region
   *     (default 0.5)
   * @param minLargerFraction least share of the larger segment's voxels in the shared region
   *     (default 0.2)
   * @param segmentProperties folder of the segment properties beside the Neuroglancer
   *     segmentation's scales (default {@code segment_properties}), or null for none
   * @param shardSubvolumes subvolumes per union-find shard (default 64; the planner's parameter)
   * @param mergeFanIn shards (or merge nodes) that one node of the next merge level combines
   *     (default 8)
   */
  public record Params(
      long minOverlapVoxels,
      double minOverlapFraction,
      double minLargerFraction,
      String segmentProperties,
      int shardSubvolumes,
      int mergeFanIn) {
    static final Param<Integer> MIN_OVERLAP_VOXELS =
        Param.integer(
            "minOverlapVoxels",
            100,
            1,
            Integer.MAX_VALUE,
            "Least voxels two subvolumes' segments share in an overlap to be joined.");
    static final Param<Double> MIN_OVERLAP_FRACTION =
        Param.number(
            "minOverlapFraction",
            0.5,
            0,
            1,
            "Least share of the smaller segment's voxels in the overlap that the pair shares.");
    static final Param<Double> MIN_LARGER_FRACTION =
        Param.number(
            "minLargerFraction",
            0.2,
            0,
            1,
            "Least share of the larger segment's voxels there, so a thin contact never merges"
                + " two cells.");
    static final Param<String> SEGMENT_PROPERTIES =
        Param.folderName(
            "segmentProperties",
            SegmentProperties.DEFAULT_DIR,
            "Folder of the segment properties below neuroglancer/segmentation/, or none.");

    static final Param<Integer> MERGE_FAN_IN = ReconcileMergePlanner.MERGE_FAN_IN;

    /** Every parameter of the reference {@code segment.reconcile}. */
    public static final List<Param<?>> PARAMS =
        List.of(MIN_OVERLAP_VOXELS, MIN_OVERLAP_FRACTION, MIN_LARGER_FRACTION, SEGMENT_PROPERTIES);

    public static Params of(Map<String, Object> params) {
      String step = "segment.reconcile";
      String sp = SEGMENT_PROPERTIES.read(step, params);
      return new Params(
          MIN_OVERLAP_VOXELS.read(step, params),
          MIN_OVERLAP_FRACTION.read(step, params),
          MIN_LARGER_FRACTION.read(step, params),
          sp.equals("none") ? null : sp,
          ReconcileShardsPlanner.SHARD_SUBVOLUMES.read(step, params),
          MERGE_FAN_IN.read(step, params));
    }
  }

  /**
   * The step's figures ({@code output/summary.json}).
   *
   * @param subvolumes subvolumes read
   * @param localSegments local ids with core voxels, over all subvolumes
   * @param segments global segments
   * @param voxels segmented voxels (sum of the segments' voxel counts)
   * @param pairs co-occurring pairs considered
   * @param joined pairs that met the rules
   * @param rejected pairs that did not (touches)
   * @param minOverlapVoxels the rule applied
   * @param minOverlapFraction the rule applied
   * @param minLargerFraction the rule applied
   * @param largestSegment voxels of the largest segment
   * @param seconds time taken
   */
  @JsonPropertyOrder({
    "subvolumes",
    "localSegments",
    "segments",
    "voxels",
    "pairs",
    "joined",
    "rejected",
    "minOverlapVoxels",
    "minOverlapFraction",
    "minLargerFraction",
    "largestSegment",
    "seconds"
  })
  public record Summary(
      long subvolumes,
      long localSegments,
      long segments,
      long voxels,
      long pairs,
      long joined,
      long rejected,
      long minOverlapVoxels,
      double minOverlapFraction,
      double minLargerFraction,
      long largestSegment,
      double seconds) {
    public static Summary read(Path outputDir) throws IOException {
      return Json.mapper().readValue(outputDir.resolve(SUMMARY).toFile(), Summary.class);
    }
  }

  public static final String SUMMARY = "summary.json";

  SegmentReconcileRunner(Path runDir, StepLayout layout, BlockGrid grid, Params params) {
    this(runDir, layout, grid, params, false);
  }

  SegmentReconcileRunner(
      Path runDir, StepLayout layout, BlockGrid grid, Params params, boolean sharded) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
    this.params = params;
    this.sharded = sharded;
  }

  public static SegmentReconcileRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid subvolumes = SegmentSteps.subvolumes(def);
    boolean sharded =
        def.plan() != null
            && def.plan().units() != null
            && ReconcileShardsPlanner.KIND.equals(def.plan().units().unitKind());
    try {
      return new SegmentReconcileRunner(
          Path.of(def.runDir()), layout, subvolumes, Params.of(def.params()), sharded);
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  /** The map file of subvolume {@code unit}. */
  public static Path mapFile(Path outputDir, long unit) {
    return SegmentSteps.unitFile(outputDir.resolve("maps"), unit, "s", ".tsv");
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    long t0 = System.nanoTime();
    Path out = layout.outputDir();
    try {
      if (sharded) {
        sharded(out, out.resolve("work")).leaf(unit.unit());
        return;
      }
      // a plan of one unit (runs planned before the shards): every phase here
      Path work = out.resolve("work");
      deleteTree(work); // files of an earlier attempt with other shards would mix in
      ShardedReconcile r = sharded(work, work);
      for (long s = 0; s < r.shards(); s++) {
        interrupted();
        r.leaf(s);
      }
      merge(runDir, r, out, params, grid.blockCount(), t0);
    } catch (NoSuchFileException e) {
      throw missing(e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException("segment.reconcile: " + e, true, e);
    }
  }

  /** The phases over the leaves' files in {@code leaves}, the later ones' in {@code work}. */
  ShardedReconcile sharded(Path leaves, Path work) {
    return new ShardedReconcile(
        SegmentSteps.layout(runDir, SegmentSteps.OVERLAPS).outputDir(),
        leaves,
        work,
        grid,
        params.shardSubvolumes(),
        params.mergeFanIn(),
        this::joins);
  }

  static UnitException missing(NoSuchFileException e) {
    return new UnitException(
        "segment reconciliation: missing input "
            + e.getFile()
            + (e.getReason() == null ? "" : " (" + e.getReason() + ")"),
        true,
        e);
  }

  /**
   * The phases after the leaves, one after the other (the one unit of a plan from before the merge
   * ran in rounds): the merge levels, each shard's ids and maps, the summary and the segment
   * properties, into {@code out}.
   */
  static void merge(
      Path runDir, ShardedReconcile r, Path out, Params params, long subvolumes, long t0)
      throws IOException, InterruptedException {
    for (int level = 1; level <= r.levels(); level++) {
      for (long n = 0; n < r.nodes(level); n++) {
        interrupted();
        r.merge(level, n);
      }
    }
    for (long s = 0; s < r.shards(); s++) {
      interrupted();
      r.number(s, out);
    }
    finish(runDir, r, out, params, subvolumes, t0);
  }

  /**
   * The summary and the segment properties (of the {@value ShardedReconcile#PROPERTIES_LIMIT}
   * largest segments), from the top of the merge.
   */
  static void finish(
      Path runDir, ShardedReconcile r, Path out, Params params, long subvolumes, long t0)
      throws IOException {
    ShardedReconcile.Finished f = r.finish();
    if (params.segmentProperties() != null) {
      Map<Long, String> labels = new LinkedHashMap<>();
      Map<Long, Double> counts = new LinkedHashMap<>();
      f.largest()
          .forEach(
              (id, v) -> {
                labels.put(id, "segment " + id + " (" + v + " voxels)");
                counts.put(id, (double) v);
              });
      SegmentProperties.write(
          RunVolumes.neuroglancerSegmentation(runDir),
          params.segmentProperties(),
          labels,
          Map.of("voxels", counts));
    }
    ShardedReconcile.Totals t = f.totals();
    Summary summary =
        new Summary(
            subvolumes,
            t.localSegments(),
            t.closed(),
            t.voxels(),
            t.pairs(),
            t.joined(),
            t.pairs() - t.joined(),
            params.minOverlapVoxels(),
            params.minOverlapFraction(),
            params.minLargerFraction(),
            t.largest(),
            Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
    AtomicFiles.write(
        out.resolve(SUMMARY),
        Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
  }

  /**
   * The segment list ({@code id, voxels}, ids ascending) of the {@code shards} shards' parts in
   * {@code out}.
   */
  public static List<long[]> readSegments(Path out, long shards) throws IOException {
    List<long[]> rows = new java.util.ArrayList<>();
    for (long s = 0; s < shards; s++) {
      for (String line :
          Files.readAllLines(ShardedReconcile.segmentsPart(out, s), StandardCharsets.UTF_8)) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          String[] t = line.split("\t");
          rows.add(new long[] {Long.parseLong(t[0]), Long.parseLong(t[1])});
        }
      }
    }
    return rows;
  }

  private static void interrupted() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  Params params() {
    return params;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The thin-contact rule. */
  boolean joins(long together, long inA, long inB) {
    return together >= params.minOverlapVoxels()
        && together >= params.minOverlapFraction() * Math.min(inA, inB)
        && together >= params.minLargerFraction() * Math.max(inA, inB);
  }

  /** Reads a subvolume's map ({@code local -> global}) as {@code segment.relabel} does. */
  public static LongCounts readMap(Path outputDir, long unit) throws IOException {
    Path f = mapFile(outputDir, unit);
    if (!Files.isRegularFile(f)) {
      throw new NoSuchFileException(
          f.toString(), null, "segment.reconcile has not written the map of subvolume " + unit);
    }
    LongCounts m = new LongCounts(256);
    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] t = line.split("\t");
      m.put(Long.parseUnsignedLong(t[0]), Long.parseLong(t[1]));
    }
    return m;
  }
}
