package org.connectome.stages.segment;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Json;
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
 * {@code segment.reconcile} (one unit): merges the subvolumes' local segment ids into global ids by
 * their agreement in the overlaps, the part google/ffn leaves to the facility.
 *
 * <p>Every (subvolume, local id) is an element of a union-find. A pair {@code (a, b)} counted by
 * {@code segment.overlaps} in the region two neighbouring subvolumes share is joined when its
 * co-occurrence count {@code n} is at least {@code minOverlapVoxels}, at least {@code
 * minOverlapFraction} of the smaller of the two segments' voxels in that region and at least {@code
 * minLargerFraction} of the larger one's: one neurite seen by both subvolumes covers most of the
 * same voxels in both, while two neurites that merely touch (a boundary drawn a voxel apart, a thin
 * contact) share a small fraction of either and stay apart, and a sliver of a neurite that one
 * subvolume saw only at its edge and gave to its neighbour (a small share of that neighbour) does
 * not join the two neurites. Global ids are dense from 1, in the order of the subvolumes and then
 * of the local ids of their cores; a segment's voxel count is the sum of its members' core counts
 * (each voxel lies in exactly one subvolume core). Segments seen only in overlap regions (no core
 * voxel) get no global id: no voxel of the volume is theirs.
 *
 * <p>Writes {@code output/maps/<unit / 1000>/s<unit>.tsv} ({@code local, global, voxels} of the ids
 * in that subvolume's core, what {@code segment.relabel} reads), {@code output/segments.tsv}
 * ({@code id, voxels}), {@code output/summary.json}, and the segment properties (voxel count and a
 * label per segment) into {@code neuroglancer/segmentation/<segmentProperties>/info} unless {@code
 * segmentProperties} is {@code none}.
 */
public final class SegmentReconcileRunner implements UnitRunner {
  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;
  private final Params params;

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
   */
  public record Params(
      long minOverlapVoxels,
      double minOverlapFraction,
      double minLargerFraction,
      String segmentProperties) {
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
          sp.equals("none") ? null : sp);
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
  public static final String SEGMENTS = "segments.tsv";

  SegmentReconcileRunner(Path runDir, StepLayout layout, BlockGrid grid, Params params) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
    this.params = params;
  }

  public static SegmentReconcileRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid subvolumes = SegmentSteps.subvolumes(def);
    try {
      return new SegmentReconcileRunner(
          Path.of(def.runDir()), layout, subvolumes, Params.of(def.params()));
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
    Path overlaps = SegmentSteps.layout(runDir, SegmentSteps.OVERLAPS).outputDir();
    try {
      Elements el = new Elements((int) grid.blockCount());
      List<SubvolumeOverlaps> all = new ArrayList<>();
      for (long u = 0; u < grid.blockCount(); u++) {
        SubvolumeOverlaps s = SubvolumeOverlaps.read(overlaps, u);
        if (s.unit() != u) {
          throw new IOException(
              SubvolumeOverlaps.file(overlaps, u) + " is about subvolume " + s.unit());
        }
        all.add(s);
        for (long[] row : s.coreVoxels()) {
          el.add(u, row[0], row[1]);
        }
      }
      // decide every pair first (registering the ids seen only in overlaps), then join
      List<int[]> joins = new ArrayList<>();
      long pairs = 0;
      for (SubvolumeOverlaps s : all) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        for (SubvolumeOverlaps.Neighbour nb : s.neighbours()) {
          LongCounts countsA = counts(nb.countsA());
          LongCounts countsB = counts(nb.countsB());
          for (long[] p : nb.pairs()) {
            pairs++;
            if (joins(p[2], countsA.get(p[0]), countsB.get(p[1]))) {
              joins.add(new int[] {el.index(s.unit(), p[0]), el.index(nb.unit(), p[1])});
            }
          }
        }
      }
      long joined = joins.size();
      UnionFind sets = new UnionFind(el.size());
      for (int[] j : joins) {
        sets.union(j[0], j[1]);
      }
      // dense global ids in element order (subvolume, then local id), members with core voxels only
      int[] global = new int[el.size()];
      List<Long> voxels = new ArrayList<>();
      voxels.add(0L);
      int[] idOfRoot = new int[el.size()];
      for (int i = 0; i < el.size(); i++) {
        if (el.core(i) == 0) {
          continue;
        }
        int r = sets.find(i);
        if (idOfRoot[r] == 0) {
          idOfRoot[r] = voxels.size();
          voxels.add(0L);
        }
        global[i] = idOfRoot[r];
        voxels.set(global[i], voxels.get(global[i]) + el.core(i));
      }
      Path out = layout.outputDir();
      long total = 0;
      long largest = 0;
      for (long u = 0; u < grid.blockCount(); u++) {
        StringBuilder b = new StringBuilder("# local\tglobal\tvoxels\n");
        for (long[] row : all.get((int) u).coreVoxels()) {
          int i = el.index(u, row[0]);
          b.append(Long.toUnsignedString(row[0]))
              .append('\t')
              .append(global[i])
              .append('\t')
              .append(row[1])
              .append('\n');
        }
        AtomicFiles.write(mapFile(out, u), b.toString().getBytes(StandardCharsets.UTF_8));
      }
      StringBuilder seg = new StringBuilder("# id\tvoxels\n");
      Map<Long, String> labels = new LinkedHashMap<>();
      Map<Long, Double> counts = new LinkedHashMap<>();
      for (int id = 1; id < voxels.size(); id++) {
        long v = voxels.get(id);
        seg.append(id).append('\t').append(v).append('\n');
        total += v;
        largest = Math.max(largest, v);
        labels.put((long) id, "segment " + id + " (" + v + " voxels)");
        counts.put((long) id, (double) v);
      }
      AtomicFiles.write(out.resolve(SEGMENTS), seg.toString().getBytes(StandardCharsets.UTF_8));
      if (params.segmentProperties() != null) {
        SegmentProperties.write(
            RunVolumes.neuroglancerSegmentation(runDir),
            params.segmentProperties(),
            labels,
            Map.of("voxels", counts));
      }
      Summary summary =
          new Summary(
              grid.blockCount(),
              el.coreCount(),
              voxels.size() - 1,
              total,
              pairs,
              joined,
              pairs - joined,
              params.minOverlapVoxels(),
              params.minOverlapFraction(),
              params.minLargerFraction(),
              largest,
              Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
      // the summary last: its presence says the maps and segment list are complete
      AtomicFiles.write(
          out.resolve(SUMMARY),
          Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
    } catch (NoSuchFileException e) {
      throw new UnitException(
          "segment.reconcile: missing input "
              + e.getFile()
              + (e.getReason() == null ? "" : " (" + e.getReason() + ")"),
          true,
          e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException("segment.reconcile: " + e, true, e);
    }
  }

  /** The thin-contact rule. */
  boolean joins(long together, long inA, long inB) {
    return together >= params.minOverlapVoxels()
        && together >= params.minOverlapFraction() * Math.min(inA, inB)
        && together >= params.minLargerFraction() * Math.max(inA, inB);
  }

  private static LongCounts counts(long[][] rows) {
    LongCounts c = new LongCounts(Math.max(16, rows.length));
    for (long[] r : rows) {
      c.put(r[0], r[1]);
    }
    return c;
  }

  /** (subvolume, local id) elements with dense indices and core voxel counts. */
  private static final class Elements {
    private final LongCounts[] index;
    private long[] core = new long[1024];
    private int size;
    private int coreCount;

    Elements(int subvolumes) {
      index = new LongCounts[subvolumes];
      for (int i = 0; i < subvolumes; i++) {
        index[i] = new LongCounts(64);
      }
    }

    void add(long sub, long local, long voxels) {
      int i = index(sub, local);
      if (core[i] == 0 && voxels > 0) {
        coreCount++;
      }
      core[i] += voxels;
    }

    int index(long sub, long local) {
      LongCounts m = index[(int) sub];
      long i = m.getOrDefault(local, -1);
      if (i < 0) {
        i = size++;
        m.put(local, i);
        if (size > core.length) {
          core = java.util.Arrays.copyOf(core, core.length * 2);
        }
      }
      return (int) i;
    }

    long core(int i) {
      return core[i];
    }

    int size() {
      return size;
    }

    int coreCount() {
      return coreCount;
    }
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
